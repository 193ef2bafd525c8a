// The access rule as SQL: every statement that reads or writes resources on behalf of a caller adds
// this condition, so no route can forget it.
import type { Access } from './context.js';
import type { Statement } from './statement.js';

/** A query restriction (SMART v2 `Observation.rs?category=...`): alternatives of search parameters. */
export interface QueryRestriction {
  resourceType: string;
  /** Alternatives (OR), each a list of search parameters that must all match (AND). */
  anyOf: ReadonlyArray<ReadonlyArray<readonly [string, string]>>;
}

/** Turns a query restriction into SQL over the rows of `alias` (the search engine supplies it). */
export type FilterCompiler = (filter: QueryRestriction, alias: string, stmt: Statement) => string;

export interface AccessOptions {
  /** How query restrictions reach the SQL of searches: compiled by the search engine. */
  filters?: FilterCompiler;
}

/** A boolean SQL expression that is true for rows of `alias` the caller may see. */
export function accessCondition(access: Access, alias: string, stmt: Statement, _options: AccessOptions = {}): string {
  switch (access.kind) {
    case 'all':
      return 'TRUE';
    case 'compartments':
      if (access.compartments.length === 0) return 'FALSE';
      return `${alias}.compartments && ${stmt.param(access.compartments)}::text[]`;
  }
}

/** Whether a resource with these compartments lies within the caller's access. */
export function withinAccess(access: Access, compartments: readonly string[]): boolean {
  switch (access.kind) {
    case 'all':
      return true;
    case 'compartments':
      return compartments.some((c) => access.compartments.includes(c));
  }
}
