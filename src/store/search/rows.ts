// Index rows: the values of one resource version, per index table, as the columns they are stored
// in. Plain data, built by extraction and written by the indexer and the bulk loader.

export interface TokenRow {
  param: number;
  system: string | null;
  code: string;
}
/** A token row repeated for one patient compartment of the resource (pat: patientKey()). */
export interface TokenPatRow extends TokenRow {
  pat: string;
}
export interface StringRow {
  param: number;
  norm: string;
  exact: string;
}
export interface DateRow {
  param: number;
  /** ISO instants, or "-infinity" / "infinity" for open Period bounds. */
  low: string;
  high: string;
}
/** A date row repeated for one patient compartment of the resource (pat: patientKey()). */
export interface DatePatRow extends DateRow {
  pat: string;
}
export interface NumberRow {
  param: number;
  value: string;
}
export interface QuantityRow {
  param: number;
  value: string;
  system: string | null;
  code: string | null;
  unit: string | null;
}
export interface UriRow {
  param: number;
  uri: string;
}
export interface ReferenceRow {
  param: number;
  /** "Patient/123" for references to this server, the URL otherwise. */
  ref: string;
  targetType: string | null;
  targetId: string | null;
}
export interface CompositeRow {
  param: number;
  keySystem: string | null;
  keyCode: string;
  /** Second part: a token... */
  system: string | null;
  code: string | null;
  /** ...or a quantity (value, system, code) ... */
  value: string | null;
  /** ...or a date range ... */
  low: string | null;
  high: string | null;
  /** ...or a normalised string. */
  norm: string | null;
}

export interface IndexRows {
  token: TokenRow[];
  tokenPat: TokenPatRow[];
  string: StringRow[];
  date: DateRow[];
  datePat: DatePatRow[];
  number: NumberRow[];
  quantity: QuantityRow[];
  uri: UriRow[];
  reference: ReferenceRow[];
  composite: CompositeRow[];
}

export function emptyRows(): IndexRows {
  return { token: [], tokenPat: [], string: [], date: [], datePat: [], number: [], quantity: [], uri: [], reference: [], composite: [] };
}

/** Column layout of each index table, in the order the rows' fields are written. */
export const TABLES = {
  token: {
    table: 'search_token',
    columns: [
      ['param', 'int'],
      ['system', 'text'],
      ['code', 'text'],
    ],
  },
  tokenPat: {
    table: 'search_token_pat',
    columns: [
      ['pat', 'bigint'],
      ['param', 'int'],
      ['system', 'text'],
      ['code', 'text'],
    ],
  },
  string: {
    table: 'search_string',
    columns: [
      ['param', 'int'],
      ['norm', 'text'],
      ['exact', 'text'],
    ],
  },
  date: {
    table: 'search_date',
    columns: [
      ['param', 'int'],
      ['low', 'timestamptz'],
      ['high', 'timestamptz'],
    ],
  },
  datePat: {
    table: 'search_date_pat',
    columns: [
      ['pat', 'bigint'],
      ['param', 'int'],
      ['low', 'timestamptz'],
      ['high', 'timestamptz'],
    ],
  },
  number: {
    table: 'search_number',
    columns: [
      ['param', 'int'],
      ['value', 'numeric'],
    ],
  },
  quantity: {
    table: 'search_quantity',
    columns: [
      ['param', 'int'],
      ['value', 'numeric'],
      ['system', 'text'],
      ['code', 'text'],
      ['unit', 'text'],
    ],
  },
  uri: {
    table: 'search_uri',
    columns: [
      ['param', 'int'],
      ['uri', 'text'],
    ],
  },
  reference: {
    table: 'search_reference',
    columns: [
      ['param', 'int'],
      ['ref', 'text'],
      ['target_type', 'text'],
      ['target_id', 'text'],
    ],
  },
  composite: {
    table: 'search_composite',
    columns: [
      ['param', 'int'],
      ['key_system', 'text'],
      ['key_code', 'text'],
      ['system', 'text'],
      ['code', 'text'],
      ['value', 'numeric'],
      ['low', 'timestamptz'],
      ['high', 'timestamptz'],
      ['norm', 'text'],
    ],
  },
} as const satisfies Record<keyof IndexRows, { table: string; columns: ReadonlyArray<readonly [string, string]> }>;

/** The field of a row that holds a column (snake_case column -> camelCase field). */
export function fieldOf(column: string): string {
  return column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}
