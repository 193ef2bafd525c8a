// A search as typed data: what the FHIR layer parses a query into and the compiler turns into SQL.
import type { ActiveParam } from './registry.js';

export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

/** A token value: system undefined = any system, null = no system ("|code"). */
export interface TokenValue {
  system?: string | null;
  code?: string;
}
export interface DateValue {
  prefix: Prefix;
  /** The searched range [low, high) in epoch ms. */
  low: number;
  high: number;
}
export interface NumberValue {
  prefix: Prefix;
  /** Decimal text of the value, and the range its significant figures imply. */
  value: string;
  low: string;
  high: string;
}
export interface QuantityValue extends NumberValue {
  system?: string;
  /** "||mg": matches the unit code or the display unit. */
  code?: string;
}

/** One occurrence of a parameter: its values are ORed; criteria of a search are ANDed. */
export type Criterion =
  | { kind: 'token'; param: ActiveParam; values: TokenValue[]; not?: boolean }
  | { kind: 'token-text'; param: ActiveParam; values: string[] }
  | { kind: 'of-type'; param: ActiveParam; values: Array<{ typeSystem: string; typeCode: string; value: string }> }
  | { kind: 'string'; param: ActiveParam; values: string[]; mode: 'prefix' | 'exact' | 'contains' }
  | { kind: 'date'; param: ActiveParam; values: DateValue[] }
  | { kind: 'number'; param: ActiveParam; values: NumberValue[] }
  | { kind: 'quantity'; param: ActiveParam; values: QuantityValue[] }
  | { kind: 'uri'; param: ActiveParam; values: string[]; mode: 'exact' | 'below' | 'above' }
  | { kind: 'reference'; param: ActiveParam; refs: string[] }
  | { kind: 'reference-identifier'; param: ActiveParam; values: TokenValue[] }
  | { kind: 'composite'; param: ActiveParam; values: CompositeValue[] }
  | { kind: 'missing'; param: ActiveParam; missing: boolean }
  | { kind: 'chain'; param: ActiveParam; targetTypes: string[]; criterion: Criterion }
  | { kind: 'has'; sourceType: string; param: ActiveParam; criterion: Criterion }
  | { kind: 'id'; ids: string[]; not?: boolean }
  | { kind: 'id-missing'; missing: boolean }
  | { kind: 'last-updated'; values: DateValue[] }
  | { kind: 'compartment'; compartment: string }
  /** OR of several criteria on different types (system search with _type). */
  | { kind: 'by-type'; alternatives: Array<{ resourceType: string; criterion: Criterion }> };

export interface CompositeValue {
  key: TokenValue;
  token?: TokenValue;
  quantity?: QuantityValue;
  date?: DateValue;
  string?: string;
}

export type SortKey = { param: ActiveParam | '_id' | '_lastUpdated'; descending: boolean };

export interface IncludeSpec {
  /** Reference parameters followed (all of the source type's for "*"). */
  params: ActiveParam[];
  /** Only targets of this type (the third part of _include=Source:param:Target). */
  targetType?: string;
  iterate: boolean;
  reverse: boolean;
}

/** A position in the ordered results: the sort key values (as text) and the rid of an entry. */
export interface SearchCursor {
  direction: 'after' | 'before';
  keys: Array<string | null>;
  rid: number;
}

export interface SearchRequest {
  /** Resource types searched; empty for all types (system search without _type). */
  types: string[];
  criteria: Criterion[];
  sort: SortKey[];
  count: number;
  cursor?: SearchCursor;
  total: 'none' | 'estimate' | 'accurate';
  /** _summary=count: only the total. */
  countOnly: boolean;
  includes: IncludeSpec[];
  /** Most included resources returned with one page. */
  maxIncludes: number;
  /** Rounds of includes (the first and its :iterate rounds); 4 when absent. */
  includeDepth?: number;
  /**
   * "Patient/<id>" when the criteria confine the matches to one patient's compartment (a compartment
   * search, or subject/patient=Patient/<id>): the search may then start from search_token_pat.
   */
  patientScope?: string;
}
