// The shape of a `haven` sub-command.
export interface Command {
  name: string;
  /** One line for `haven --help`. */
  summary: string;
  /** Usage lines shown by `haven <name> --help`. */
  usage: string;
  run(args: string[]): Promise<number>;
}
