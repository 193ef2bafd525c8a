// What every search-parameter type defines, in its own file (types/<type>.ts): how a searched value
// is parsed, which index rows a resource's values make, the SQL condition on those rows, the same
// test in Node, and the column it sorts by. The generic files dispatch to it through the registry
// in types/index.ts: parse.ts (parse), extract.ts (extract), compile.ts (target, sql), match.ts
// (target, test) and run.ts (sort). Kept apart from index.ts so that the type files can name it
// without an import cycle.
import type { TypedValue } from '../path.js';
import type { ActiveParam } from '../registry.js';
import type { Criterion } from '../request.js';
import type { IndexRows } from '../rows.js';

/** Binds a value into the statement and returns its placeholder. */
export type Bind = (value: unknown) => string;

/** The criteria of one parameter type's own values (the others are the search's: _id, chains...). */
export type ValueCriterion = Exclude<Criterion, { kind: 'missing' | 'chain' | 'has' | 'id' | 'id-missing' | 'last-updated' | 'compartment' | 'by-type' }>;

/** One index row of any table. */
export type IndexRow = IndexRows[keyof IndexRows][number];

export interface ExtractOptions {
  /** FHIR base URL of this server: absolute references to it are stored as relative ones. */
  baseUrl: string;
  /** IANA zone for dates without a zone. */
  zone: string;
}

/** What parsing a value may need of the search context (parse.ts SearchContext). */
export interface ParseContext {
  /** IANA zone for dates without one (TZ_DEFAULT). */
  zone: string;
  baseUrl: string;
  /** All resource types, for reference targets and type modifiers. */
  resourceTypes: ReadonlySet<string>;
}

/** One occurrence of a parameter of the type, as parse.ts hands it over. */
export interface ValueOccurrence {
  param: ActiveParam;
  /** The parameter as written, with its modifier, for error messages. */
  name: string;
  modifier: string | undefined;
  /** The comma-separated alternatives, escapes kept for sub-splitting. */
  values: string[];
  context: ParseContext;
}

/** The index rows a criterion tests: those of `rows` for parameter key `key`; `not` negates. */
export interface RowTarget {
  rows: keyof IndexRows;
  key: number;
  not?: boolean;
}

export interface SearchParameterType<C extends ValueCriterion = ValueCriterion> {
  /** The criterion of one occurrence, or undefined when the type does not support the modifier. */
  parse(occurrence: ValueOccurrence): C | undefined;
  /** Adds to `rows` the index rows of one value the parameter's expression found. */
  extract(rows: IndexRows, param: ActiveParam, value: TypedValue, options: ExtractOptions): void;
  /** Where the criterion's rows are: a criterion matches when one of them meets `sql` / `test`. */
  target(c: C): RowTarget;
  /** SQL over the index row `x` of the target table (its values ORed). */
  sql(c: C, x: string, bind: Bind, now: number): string;
  /** Node: the same test on one extracted row of the target table. */
  test(c: C, row: IndexRow, now: number): boolean;
  /** The column of the type's table a sort reads (min ascending, max descending) and its cast. */
  sort: { column: string; cast: string };
}

/** The values of one occurrence ORed, as compile.ts has always written them. */
export function anyOf(parts: string[]): string {
  if (!parts.length) return 'FALSE';
  return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
}
