// One entry of a batch or transaction Bundle, read into the interaction it asks for.
import type { BundleEntryKind } from '../../auth/bundle-entry.js';
import { FhirError } from '../../errors.js';
import { checkId, parseIfMatch } from '../http.js';
import { parseCriteria, type Criteria } from '../interactions/criteria.js';

export type EntryMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The interaction an entry asks for; the authorization layer maps each to its SMART permission. */
export type EntryKind = BundleEntryKind;

export interface EntryRequest {
  /** Position in the request Bundle; the response keeps it. */
  index: number;
  method: EntryMethod;
  url: string;
  kind: EntryKind;
  type: string;
  id?: string;
  versionId?: number;
  /** The query of a conditional or search URL, without '?'. */
  query?: string;
  criteria?: Criteria;
  fullUrl?: string;
  resource?: Record<string, unknown>;
  ifMatch?: number;
  ifNoneExist?: Criteria;
  ifNoneMatch?: string;
}

/** The interaction each method and URL shape asks for. */
const KIND_BY_SHAPE: Record<string, EntryKind | undefined> = {
  'POST type': 'create',
  'PUT type/id': 'update',
  'PUT type?': 'conditional-update',
  'PATCH type/id': 'patch',
  'PATCH type?': 'conditional-patch',
  'DELETE type/id': 'delete',
  'DELETE type?': 'conditional-delete',
  'GET type/id': 'read',
  'HEAD type/id': 'read',
  'GET type/id/_history/vid': 'vread',
  'HEAD type/id/_history/vid': 'vread',
  'GET type': 'search',
  'GET type?': 'search',
  'HEAD type': 'search',
  'HEAD type?': 'search',
};

/** Processing order FHIR sets for transactions (and Haven for batches): DELETE, POST, PUT/PATCH, GET/HEAD. */
export const PROCESSING_ORDER: Record<EntryMethod, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

const METHODS = new Set<EntryMethod>(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

interface RawEntry {
  fullUrl?: unknown;
  resource?: unknown;
  request?: { method?: unknown; url?: unknown; ifMatch?: unknown; ifNoneExist?: unknown; ifNoneMatch?: unknown };
}

/** Reads entry `index`; throws a FhirError naming the element when it cannot be processed. */
export function parseEntry(raw: unknown, index: number, fhirBaseUrl: string, knownTypes: ReadonlySet<string>): EntryRequest {
  const at = `Bundle.entry[${index}]`;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw FhirError.badRequest('invalid-bundle', `${at} must be an object`, [at]);
  const entry = raw as RawEntry;
  const request = entry.request;
  if (!request || typeof request !== 'object')
    throw FhirError.badRequest('invalid-bundle', `${at}.request is required in a batch or transaction`, [`${at}.request`]);
  const method = request.method;
  if (typeof method !== 'string' || !METHODS.has(method as EntryMethod)) {
    throw FhirError.badRequest('invalid-bundle', `${at}.request.method must be one of GET, HEAD, POST, PUT, PATCH, DELETE`, [`${at}.request.method`]);
  }
  if (typeof request.url !== 'string' || !request.url.trim())
    throw FhirError.badRequest('invalid-bundle', `${at}.request.url is required`, [`${at}.request.url`]);
  const url = request.url.trim();
  const { path, query } = splitUrl(url, fhirBaseUrl, `${at}.request.url`);
  const segments = path.split('/').filter(Boolean);
  const type = segments[0];
  if (!type || !knownTypes.has(type)) {
    throw FhirError.of('unknown-type', 404, 'not-supported', `${at}.request.url names no R4 resource type Haven serves: "${url.slice(0, 100)}"`, [
      `${at}.request.url`,
    ]);
  }
  const parsed: EntryRequest = { index, method: method as EntryMethod, url, kind: 'read', type };
  if (typeof entry.fullUrl === 'string') parsed.fullUrl = entry.fullUrl;
  if (entry.resource !== undefined) {
    if (!entry.resource || typeof entry.resource !== 'object' || Array.isArray(entry.resource)) {
      throw FhirError.badRequest('invalid-bundle', `${at}.resource must be a resource object`, [`${at}.resource`]);
    }
    parsed.resource = entry.resource as Record<string, unknown>;
  }
  parsed.ifMatch = wrap(at, () => parseIfMatch(optionalString(request.ifMatch, `${at}.request.ifMatch`)));
  const ifNoneExist = optionalString(request.ifNoneExist, `${at}.request.ifNoneExist`);
  if (ifNoneExist !== undefined) parsed.ifNoneExist = wrap(at, () => parseCriteria(ifNoneExist));
  parsed.ifNoneMatch = optionalString(request.ifNoneMatch, `${at}.request.ifNoneMatch`);

  const id = segments[1];
  if (id !== undefined && id !== '_search' && id !== '_history') wrap(at, () => checkId(id));
  const shape = `${method} ${segments.length === 1 ? (query !== undefined ? 'type?' : 'type') : segments.length === 2 ? 'type/id' : segments.length === 4 && segments[2] === '_history' ? 'type/id/_history/vid' : 'other'}`;
  const kind = KIND_BY_SHAPE[shape];
  if (!kind) {
    throw FhirError.of('not-supported', 405, 'not-supported', `${at}: ${method} ${url.slice(0, 100)} is not an interaction Haven supports in a Bundle`, [
      `${at}.request`,
    ]);
  }
  parsed.kind = kind;
  if (segments.length >= 2) parsed.id = id;
  if (kind === 'vread') {
    if (!/^[1-9]\d{0,8}$/.test(segments[3])) throw FhirError.notFound('unknown-version', `${at}: ${type}/${id} has no version "${segments[3].slice(0, 20)}"`);
    parsed.versionId = Number(segments[3]);
  }
  if (query !== undefined) {
    parsed.query = query;
    if (parsed.kind.startsWith('conditional-')) parsed.criteria = wrap(at, () => parseCriteria(query));
  }
  if ((parsed.kind === 'create' || parsed.kind === 'update' || parsed.kind === 'conditional-update') && !parsed.resource) {
    throw FhirError.badRequest('invalid-bundle', `${at}.resource is required for ${method}`, [`${at}.resource`]);
  }
  if ((parsed.kind === 'patch' || parsed.kind === 'conditional-patch') && !parsed.resource) {
    throw FhirError.badRequest('invalid-bundle', `${at}.resource must carry the patch (a Binary with a JSON Patch)`, [`${at}.resource`]);
  }
  return parsed;
}

function splitUrl(url: string, base: string, at: string): { path: string; query?: string } {
  let rest = url;
  if (/^[a-z][a-z0-9+.-]*:/i.test(rest)) {
    if (!rest.startsWith(`${base}/`))
      throw FhirError.badRequest('invalid-bundle', `${at} is an absolute URL outside this server: "${url.slice(0, 100)}"`, [at]);
    rest = rest.slice(base.length + 1);
  }
  rest = rest.replace(/^\/+/, '');
  const q = rest.indexOf('?');
  return q < 0 ? { path: rest } : { path: rest.slice(0, q), query: rest.slice(q + 1) };
}

function optionalString(value: unknown, at: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw FhirError.badRequest('invalid-bundle', `${at} must be a string`, [at]);
  return value;
}

/** Prefixes an error's message with the entry it belongs to. */
function wrap<T>(at: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof FhirError) {
      throw new FhirError(
        error.code,
        error.status,
        error.issues.map((i) => ({ ...i, diagnostics: `${at}: ${i.diagnostics}`, expression: i.expression ?? [at] })),
      );
    }
    throw error;
  }
}
