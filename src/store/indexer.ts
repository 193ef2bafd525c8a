// The seam between resource storage and the search index. The store asks the indexer, for every
// version it writes, which compartments the resource belongs to and which index rows go with it;
// the indexer adds its writes to the store's single statement.
import type { Resource } from '@medplum/fhirtypes';
import type { Statement } from './statement.js';

export interface IndexEntry {
  /** e.g. ["Patient/123"]: drives patient-compartment access. */
  compartments: string[];
}

export interface ResourceIndexer {
  /** Compartments and index values of one resource version. Pure: no I/O. */
  extract(resource: Resource): IndexEntry;
  /**
   * "Patient/<id>" when `reference` names a Patient of this server exactly as the compartments read
   * it (relative, or absolute under this server's base, version dropped); undefined otherwise
   * (another server, a contained `#x`, dot segments, any other type). Access decisions that ask
   * "which patient is this about" use this, never the reference text.
   */
  localPatient(reference: string): string | undefined;
  /**
   * Adds to `stmt` the CTEs that write the index rows of the resource written by the CTE named
   * `written` (one row with a column `rid`, or none when nothing was written), replacing any index
   * rows that resource had. `replace: false` says the resource is new (nothing to replace), which
   * saves the removal.
   */
  addIndexWrites(stmt: Statement, written: string, entry: IndexEntry, options?: { replace?: boolean }): void;
  /** Adds to `stmt` the CTEs that remove every index row of the resource in CTE `written`. */
  addIndexRemoval(stmt: Statement, written: string): void;
  /**
   * Adds to `stmt` the CTEs that write the index rows of many new resources at once: `entries[i]`
   * belongs to the resource whose rid the query `ridByOrd` (columns ord, rid) gives for ord i + 1.
   */
  addBulkIndexWrites(stmt: Statement, ridByOrd: string, entries: IndexEntry[]): void;
}
