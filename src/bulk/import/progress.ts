// The import's progress line on stderr: done/total resources, the rate, and refusals so far.
// Redrawn in place on a terminal, and at most every few seconds as plain lines otherwise.
export class Progress {
  private readonly started = Date.now();
  private last = 0;
  done = 0;
  refused = 0;

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream | { write(text: string): unknown; isTTY?: boolean } = process.stderr,
  ) {}

  add(stored: number, refused: number): void {
    this.done += stored + refused;
    this.refused += refused;
    const now = Date.now();
    if (now - this.last >= (this.out.isTTY ? 200 : 5000)) {
      this.last = now;
      this.draw(false);
    }
  }

  finish(): void {
    this.draw(true);
  }

  rate(): number {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    return this.done / seconds;
  }

  private draw(final: boolean): void {
    const width = 30;
    const fraction = this.total ? Math.min(this.done / this.total, 1) : 1;
    const filled = Math.round(fraction * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const line = `${bar} ${this.done}/${this.total} resources, ${Math.round(this.rate())}/s, ${this.refused} refused`;
    if (this.out.isTTY) this.out.write(`\r${line}${final ? '\n' : ''}`);
    else this.out.write(`${line}\n`);
  }
}
