// One version of a resource as stored, and the stamping that makes a resource into one: shared by
// single writes (resources.ts) and bulk writes (bulk.ts), apart from both so neither imports the other.
import type { Resource } from '@medplum/fhirtypes';
import { FhirError } from '../errors.js';
import { carryLexemes, stringifyLossless } from '../json/lossless.js';
import { findNul } from '../json/nul.js';

export type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One version of a resource as stored. */
export interface StoredVersion {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  /** The resource exactly as served; null for a deletion. */
  json: string | null;
}

/**
 * The resource as it will be stored and served: server-set id, meta.versionId and meta.lastUpdated,
 * with resourceType, id and meta first for readability.
 */
export function stamp(resource: Resource, id: string, versionId: number, lastUpdated: Date): { document: Resource; json: string } {
  const { resourceType, id: _ignored, meta, ...rest } = resource;
  const document = {
    resourceType,
    id,
    meta: { ...meta, versionId: String(versionId), lastUpdated: lastUpdated.toISOString() },
    ...rest,
  } as Resource;
  carryLexemes(resource, document);
  const json = stringifyLossless(document);
  // PostgreSQL text cannot hold NUL: refuse it here too, for resources no body parser saw (PATCH results, mappers).
  if (json.includes('\\u0000')) {
    const at = findNul(document, document.resourceType);
    if (at) throw FhirError.of('nul-character', 400, 'value', `${at} holds a NUL character (\\u0000), which this server cannot store`, [at]);
  }
  return { document, json };
}
