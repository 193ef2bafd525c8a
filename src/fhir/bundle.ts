// Bundles built by string concatenation: stored resources are spliced in as the JSON text they were
// stored as, never parsed and re-serialised.
import { randomUUID } from 'node:crypto';
import type { BundleLink } from '@medplum/fhirtypes';

export interface EntryText {
  fullUrl?: string;
  /** The resource's JSON text, inserted verbatim. */
  resourceJson?: string;
  search?: { mode: 'match' | 'include' | 'outcome'; score?: number };
  request?: { method: string; url: string };
  response?: { status: string; location?: string; etag?: string; lastModified?: string; outcome?: unknown };
}

export interface BundleText {
  type: 'searchset' | 'history' | 'batch-response' | 'transaction-response' | 'collection';
  total?: number;
  link?: BundleLink[];
  entries: EntryText[];
}

export function bundleJson(bundle: BundleText): string {
  let out = `{"resourceType":"Bundle","id":"${randomUUID()}","meta":{"lastUpdated":"${new Date().toISOString()}"},"type":"${bundle.type}"`;
  if (bundle.total !== undefined) out += `,"total":${bundle.total}`;
  if (bundle.link?.length) out += `,"link":${JSON.stringify(bundle.link)}`;
  if (bundle.entries.length) out += `,"entry":[${bundle.entries.map(entryJson).join(',')}]`;
  return out + '}';
}

function entryJson(entry: EntryText): string {
  const parts: string[] = [];
  if (entry.fullUrl) parts.push(`"fullUrl":${JSON.stringify(entry.fullUrl)}`);
  if (entry.resourceJson) parts.push(`"resource":${entry.resourceJson}`);
  if (entry.search) parts.push(`"search":${JSON.stringify(entry.search)}`);
  if (entry.request) parts.push(`"request":${JSON.stringify(entry.request)}`);
  if (entry.response) parts.push(`"response":${JSON.stringify(entry.response)}`);
  return `{${parts.join(',')}}`;
}
