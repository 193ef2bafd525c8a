// Builds one SQL statement out of parts (CTEs) with numbered parameters, so that a write and all
// that must go with it (history row, index rows) reach the database in a single round trip.

export class Statement {
  readonly params: unknown[] = [];
  private readonly ctes: string[] = [];

  /** Adds a parameter and returns its placeholder ($n). */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** Adds `name AS (sql)` to the WITH list. */
  with(name: string, sql: string): this {
    this.ctes.push(`${name} AS (${sql})`);
    return this;
  }

  /** The final statement: the WITH list, then the main query. */
  build(main: string): string {
    return this.ctes.length ? `WITH ${this.ctes.join(',\n')}\n${main}` : main;
  }
}
