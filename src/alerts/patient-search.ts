// Searches the alerting reads, inside the write's transaction and confined to one patient's
// compartment, through the store's own search (parsed as a client's would be, audited like one).
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../store/resources.js';
import type { SearchEngine } from '../store/search/engine.js';

/** Enough for any window a rule looks at (8 days of weights, 90 days of scores). */
const MAX = 500;

export async function searchPatient(
  s: ResourceStore,
  search: SearchEngine,
  patientId: string,
  type: string,
  params: Array<[string, string]>,
): Promise<Resource[]> {
  const compartment = `Patient/${patientId}`;
  const parsed = search.parse([type], [...params, ['_count', String(MAX)]], [{ kind: 'compartment', compartment }]);
  // Haven's own queries: an ignored parameter is a bug here, not a client's mistake.
  if (parsed.ignored.length) throw new Error(`Alert search of ${type} ignored ${parsed.ignored.map((i) => i.name).join(', ')}`);
  const query = `${compartment}/${type}?${new URLSearchParams(parsed.used).toString()}`;
  const result = await s.searchPage(parsed.request, query);
  return result.matches.map((m) => JSON.parse(m.json) as Resource);
}

/** A search date at second precision. */
export function searchInstant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
