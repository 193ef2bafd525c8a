// The batch-response / transaction-response Bundle: one entry per request entry, in request order.
import { STATUS_CODES } from 'node:http';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { FhirError } from '../../errors.js';
import { dbFailure } from '../../store/db-errors.js';
import type { StoredVersion } from '../../store/resources.js';
import { bundleJson, type EntryText } from '../bundle.js';
import { etag, type PreferReturn } from '../http.js';
import { operationOutcome } from '../outcome.js';
import type { EntryRequest } from './entry-request.js';

export interface EntryResult {
  status: number;
  version?: StoredVersion;
  /** A resource that is no stored version (the searchset Bundle of a search entry). */
  json?: string;
  /** For failed batch entries. */
  outcome?: OperationOutcome;
}

/** A failed batch entry's result: its status and OperationOutcome; unexpected errors stay errors. */
export function errorResult(error: unknown): EntryResult {
  if (error instanceof FhirError) return { status: error.status, outcome: operationOutcome(error.issues) };
  const failure = dbFailure(error);
  if (failure === 'timeout') {
    return {
      status: 503,
      outcome: operationOutcome([
        {
          severity: 'error',
          code: 'timeout',
          errorCode: 'timeout',
          diagnostics: 'The entry took longer than this server allows a database statement (DB_STATEMENT_TIMEOUT_MS) and was cancelled',
        },
      ]),
    };
  }
  if (failure === 'concurrent') {
    return {
      status: 409,
      outcome: operationOutcome([
        { severity: 'error', code: 'transient', errorCode: 'concurrent-change', diagnostics: 'The entry conflicted with a concurrent request; retry it' },
      ]),
    };
  }
  throw error;
}

export function bundleResponse(
  type: 'batch-response' | 'transaction-response',
  entries: Array<EntryRequest | undefined>,
  results: EntryResult[],
  prefer: PreferReturn | undefined,
  base: string,
): string {
  const texts = results.map((result, index): EntryText => {
    const status = `${result.status} ${STATUS_CODES[result.status] ?? ''}`.trim();
    const version = result.version;
    if (result.json) return { resourceJson: result.json, response: { status } };
    if (!version) return { response: { status, ...(result.outcome ? { outcome: result.outcome } : {}) } };
    const isWrite = entries[index]?.method !== 'GET' && entries[index]?.method !== 'HEAD';
    const text: EntryText = {
      response: {
        status,
        ...(isWrite ? { location: `${version.resourceType}/${version.id}/_history/${version.versionId}` } : {}),
        etag: etag(version.versionId),
        lastModified: version.lastUpdated.toISOString(),
      },
    };
    if (version.json && (!isWrite || prefer === undefined || prefer === 'representation')) {
      text.fullUrl = `${base}/${version.resourceType}/${version.id}`;
      text.resourceJson = version.json;
    }
    if (isWrite && prefer === 'OperationOutcome' && text.response) {
      text.response.outcome = operationOutcome([
        { severity: 'information', code: 'informational', diagnostics: `${status}: ${version.resourceType}/${version.id}` },
      ]);
    }
    return text;
  });
  return bundleJson({ type, entries: texts });
}
