// The stable, machine-readable reason of every refusal Haven answers with an OperationOutcome:
// `OperationOutcome.issue[].details.coding` carries `{system: ERROR_CODE_SYSTEM, code}`. Clients and
// tests branch on these codes, never on the diagnostics prose (which may be reworded). The list is
// the one source: FhirError accepts only these codes, and docs/api.md lists exactly these (a test
// compares them). Adding a code is an addition; renaming or removing one is a breaking change.

export const ERROR_CODE_SYSTEM = 'https://haven-fhir.org/fhir/CodeSystem/error';

interface ErrorCodeDefinition {
  /** The HTTP status (or statuses) the code is answered with. */
  status: string;
  meaning: string;
}

export const ERROR_CODES = {
  // The request itself
  'malformed-request': {
    status: '400 (or the 4xx of the refusal)',
    meaning: 'The request path or message could not be read (a malformed %-escape, an unreadable request).',
  },
  'malformed-body': { status: '400', meaning: 'The body is empty where one is needed, not valid JSON, or not of the expected shape.' },
  'nested-too-deep': { status: '400', meaning: 'The JSON body nests objects and arrays deeper than 100 levels, more than any R4 resource needs.' },
  'nul-character': { status: '400', meaning: 'A body value or search parameter holds a NUL character, which cannot be stored.' },
  'body-too-large': { status: '413', meaning: 'The body is larger than BODY_LIMIT.' },
  'unsupported-media-type': { status: '415', meaning: 'The Content-Type is not one this endpoint reads.' },
  'not-acceptable': { status: '406', meaning: 'Neither Accept nor _format names a media type Haven serves (JSON).' },
  'no-endpoint': { status: '404', meaning: 'No route answers this method and path.' },
  'method-not-allowed': { status: '405', meaning: 'The path exists but does not take this method or interaction.' },
  'not-supported': {
    status: '404, 405, 422, 501',
    meaning: 'A FHIR feature Haven does not implement (FHIRPath Patch, a Bundle entry interaction, Subscriptions changed through PATCH or a Bundle).',
  },
  // Authentication and authorization
  'token-required': { status: '401', meaning: 'No bearer token, or an Authorization header that is not "Bearer <token>".' },
  'token-invalid': { status: '401', meaning: 'The bearer token was refused (expired, badly signed, wrong audience, revoked).' },
  'scope-missing': { status: '403', meaning: "The token's scopes do not allow this interaction on this type." },
  'outside-compartment': {
    status: '403',
    meaning: 'The resource lies outside what the token may reach or change (its patient compartment or query restriction).',
  },
  'not-owner': { status: '403', meaning: 'The resource belongs to another client or user (a Subscription).' },
  'care-team-only': { status: '403', meaning: "Only the patient's care team may make this change (alert limits, resolving an alert Flag)." },
  // Resources and versions
  'unknown-type': { status: '400, 404', meaning: 'The resource type is not an R4 type Haven serves (404 in the URL, 400 in a parameter).' },
  'invalid-id': { status: '400', meaning: 'The id is not a FHIR id (1-64 letters, digits, "-" and ".").' },
  'not-found': { status: '404', meaning: 'The resource, record or export is unknown or not visible to this token.' },
  'unknown-version': { status: '404', meaning: 'The resource has no such version.' },
  deleted: { status: '410', meaning: 'The resource (or the version asked for) is deleted.' },
  'type-mismatch': { status: '400', meaning: "The body's resourceType differs from the type in the URL." },
  'id-mismatch': { status: '400', meaning: "The body's id is missing or differs from the id in the URL (or the one the criteria match)." },
  'invalid-resource': {
    status: '400, 422',
    meaning: 'The resource breaks a FHIR rule (structure, cardinality, value set, invariant) or a Haven rule on that type.',
  },
  'invalid-record': { status: '400', meaning: 'An app record (/api/v1) has a field missing, out of range, of the wrong type, or unknown.' },
  'already-exists': { status: '409', meaning: 'The id is already taken by another resource.' },
  'concurrent-change': { status: '409', meaning: 'The request conflicted with a concurrent one; retrying it may succeed.' },
  'version-conflict': { status: '412', meaning: 'If-Match names a version that is not the current one.' },
  'precondition-failed': { status: '412', meaning: 'If-Match was given for a resource that does not exist.' },
  'invalid-if-match': { status: '400', meaning: 'If-Match is not a version ETag such as W/"3".' },
  'multiple-matches': { status: '412', meaning: 'The criteria of a conditional interaction match more than one resource.' },
  'read-only': { status: '405', meaning: 'AuditEvents are written by the server only; they cannot be created, changed or deleted.' },
  'invalid-patch': {
    status: '400, 422',
    meaning: 'The JSON Patch is malformed, cannot be applied, or would change resourceType, id or a generated narrative.',
  },
  // Searches and parameters
  'unknown-parameter': {
    status: '400',
    meaning: 'A parameter this search, history, list or operation does not support (under Prefer: handling=strict for FHIR searches).',
  },
  'repeated-parameter': { status: '400', meaning: 'A parameter that may appear only once appears more than once.' },
  'unsupported-modifier': { status: '400', meaning: 'A search modifier the parameter does not take, or more than one modifier.' },
  'invalid-search-value': {
    status: '400',
    meaning: "A search value that is not of its parameter's kind (a date, number, token, quantity, reference, composite) or out of range.",
  },
  'invalid-parameter': {
    status: '400',
    meaning: 'A value of a control parameter (_count, _summary, _total, _since, _type, days, limit, from/to, ...) that is not allowed.',
  },
  'invalid-sort': { status: '400', meaning: '_sort names no parameter of the type, or one that cannot sort.' },
  'invalid-include': { status: '400', meaning: '_include or _revinclude is not SourceType:parameter[:TargetType] of a reference parameter.' },
  'invalid-chain': { status: '400', meaning: 'A chained parameter or _has is malformed or chains a parameter that is no reference.' },
  'invalid-cursor': { status: '400', meaning: 'The paging cursor is not valid or belongs to another search.' },
  'invalid-criteria': { status: '400', meaning: 'Criteria (of a conditional interaction or a Subscription) are missing or use what Haven cannot search.' },
  'too-costly': {
    status: '400, 413',
    meaning: 'The request exceeds a bound of this server (search size, includes, Bundle entries); the diagnostics name the setting.',
  },
  // Bundles
  'invalid-bundle': { status: '400', meaning: 'A batch or transaction Bundle, or one of its entries, is malformed.' },
  'unresolved-reference': { status: '400, 404', meaning: 'A conditional reference in a transaction names no type or matches no resource.' },
  // Subscriptions and bulk data
  'invalid-subscription': {
    status: '400, 422',
    meaning: 'A Subscription Haven cannot deliver (status, end, channel, payload, headers, topic) or a bad $events/$status parameter.',
  },
  'not-exportable': { status: '400', meaning: 'The Group is descriptive (actual false); only an actual Group of Patients can be exported.' },
  'unsupported-export-parameter': { status: '400', meaning: 'A bulk export parameter or value Haven does not support.' },
  'export-abandoned': { status: '500', meaning: 'The bulk export stopped (its worker lost) more often than it is retried and was given up; start a new one.' },
  throttled: { status: '429', meaning: 'Too many requests of this kind at once (bulk exports per client); Retry-After says when to try again.' },
  // The server
  timeout: { status: '503', meaning: 'A database statement ran longer than DB_STATEMENT_TIMEOUT_MS and was cancelled.' },
  unavailable: { status: '503', meaning: 'The database is unavailable, or Haven is still starting; retry shortly.' },
  'internal-error': { status: '500', meaning: 'Something failed on the server; the X-Request-Id helps the operator find it.' },
} as const satisfies Record<string, ErrorCodeDefinition>;

export type ErrorCode = keyof typeof ERROR_CODES;
