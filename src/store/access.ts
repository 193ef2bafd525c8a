// The access rule as SQL: every statement that reads or writes resources on behalf of a caller adds
// this condition, so no route can forget it.
import type { Access } from './context.js';
import type { Statement } from './statement.js';

/** A boolean SQL expression that is true for rows of `alias` the caller may see. */
export function accessCondition(access: Access, alias: string, stmt: Statement): string {
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
