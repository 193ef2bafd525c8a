// Index rows into SQL: CTEs that insert the rows of many resources with one INSERT per index table,
// the columns passed as arrays and unnested, so 1 or 1,000 resources cost the same number of
// statements (one).
import type { Statement } from '../statement.js';
import { fieldOf, TABLES, type IndexRows } from './rows.js';

const TABLE_NAMES = Object.values(TABLES).map((t) => t.table);

/**
 * Adds CTEs inserting `entries[i]`'s rows for the resource whose rid the query `ridByOrd` gives
 * for ordinal i + 1 (`ridByOrd` selects columns `ord` and `rid`).
 */
export function addRowInserts(stmt: Statement, prefix: string, ridByOrd: string, entries: IndexRows[]): void {
  for (const [kind, spec] of Object.entries(TABLES) as Array<[keyof IndexRows, (typeof TABLES)[keyof IndexRows]]>) {
    const ords: number[] = [];
    const columns: unknown[][] = spec.columns.map(() => []);
    const fields = spec.columns.map(([column]) => fieldOf(column));
    entries.forEach((rows, i) => {
      for (const row of rows[kind] as unknown as Array<Record<string, unknown>>) {
        ords.push(i + 1);
        for (let c = 0; c < fields.length; c++) columns[c].push(row[fields[c]] ?? null);
      }
    });
    if (!ords.length) continue;
    const names = spec.columns.map(([column]) => column);
    const arrays = [`${stmt.param(ords)}::int[]`, ...spec.columns.map(([, type], c) => `${stmt.param(columns[c])}::${type}[]`)];
    stmt.with(
      `${prefix}_${kind}`,
      `INSERT INTO ${spec.table} (rid, ${names.join(', ')})
        SELECT m.rid, ${names.map((n) => `u.${n}`).join(', ')}
        FROM unnest(${arrays.join(', ')}) AS u(ord, ${names.join(', ')}) JOIN (${ridByOrd}) m ON m.ord = u.ord`,
    );
  }
}

/** Adds CTEs removing every index row of the resources whose rids the query `rids` selects. */
export function addRowRemovals(stmt: Statement, prefix: string, rids: string): void {
  for (const table of TABLE_NAMES) stmt.with(`${prefix}_${table}`, `DELETE FROM ${table} WHERE rid IN (${rids})`);
}
