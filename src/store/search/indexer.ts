// The search indexer behind every write: extraction (pure) and the index-row CTEs that ride along
// in the write's single statement.
import type { Resource } from '@medplum/fhirtypes';
import type { IndexEntry, ResourceIndexer } from '../indexer.js';
import type { Statement } from '../statement.js';
import { PatientCompartment, patientKey } from './compartments.js';
import { extractRows } from './extract.js';
import type { SearchRegistry } from './registry.js';
import type { IndexRows } from './rows.js';
import type { ExtractOptions } from './types/parameter-type.js';
import { parseReference } from './types/reference.js';
import { addRowInserts, addRowRemovals } from './writer.js';

export interface SearchIndexEntry extends IndexEntry {
  rows: IndexRows;
}

export class SearchIndexer implements ResourceIndexer {
  readonly compartment: PatientCompartment;

  constructor(
    readonly registry: SearchRegistry,
    readonly options: ExtractOptions,
  ) {
    this.compartment = new PatientCompartment(registry);
  }

  extract(resource: Resource): SearchIndexEntry {
    const rows = extractRows(this.registry, resource, this.options);
    const compartments = this.compartment.compartmentsOf(resource, rows);
    for (const compartment of compartments) {
      const pat = patientKey(compartment);
      for (const row of rows.token) rows.tokenPat.push({ pat, ...row });
      for (const row of rows.date) rows.datePat.push({ pat, ...row });
    }
    return { compartments, rows };
  }

  localPatient(reference: string): string | undefined {
    const parsed = parseReference(reference, this.options.baseUrl);
    return parsed?.targetType === 'Patient' ? parsed.ref : undefined;
  }

  addIndexWrites(stmt: Statement, written: string, entry: IndexEntry, options: { replace?: boolean } = {}): void {
    if (options.replace !== false) addRowRemovals(stmt, 'idx_del', `SELECT rid FROM ${written}`);
    const rows = (entry as SearchIndexEntry).rows;
    if (rows) addRowInserts(stmt, 'idx', `SELECT 1 AS ord, rid FROM ${written}`, [rows]);
  }

  addBulkIndexWrites(stmt: Statement, ridByOrd: string, entries: IndexEntry[]): void {
    addRowInserts(
      stmt,
      'idx',
      ridByOrd,
      entries.map((e) => (e as SearchIndexEntry).rows),
    );
  }

  addIndexRemoval(stmt: Statement, written: string): void {
    addRowRemovals(stmt, 'idx_del', `SELECT rid FROM ${written}`);
  }
}
