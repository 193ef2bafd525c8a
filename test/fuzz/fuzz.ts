// The fuzz suite's shared parts: how many cases and which seed (FUZZ_RUNS, FUZZ_SEED; `npm run
// fuzz` sets both), generators of odd values and mutated resources, and the check every answer
// must pass: no 5xx, an OperationOutcome (or OAuth error JSON) on every 4xx, nothing stored on a
// 4xx, and the server still answers /healthz.
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import type { TestApp } from '../helpers/app.js';

/** Cases per property: small by default (the suite runs in `npm test`, twice in CI). */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
/** Deterministic by default, so CI is repeatable; `npm run fuzz` picks a fresh one and prints it. */
export const SEED = Number(process.env.FUZZ_SEED ?? 1313);

export function fuzzParameters(): fc.Parameters<unknown> {
  return { numRuns: RUNS, seed: SEED, endOnFailure: true, interruptAfterTimeLimit: Number(process.env.FUZZ_TIME_LIMIT_MS ?? 0) || undefined };
}

/** Strings a client might send by accident or on purpose. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\u00a0',
    '\ufeff',
    '\ud800',
    '\udfff',
    '😀',
    '%00',
    '%',
    '%zz',
    '\\',
    '"',
    "'; DROP TABLE resource; --",
    '$1',
    '${x}',
    '..',
    '../../etc/passwd',
    'null',
    'true',
    '-1',
    '1e400',
    '9'.repeat(400),
    'x'.repeat(5000),
    'urn:uuid:00000000-0000-0000-0000-000000000000',
    'Patient/',
    'Patient/a/_history/1',
    '2024-02-30',
    '2024-01-01T25:00:00Z',
    'gt',
    'eq2024',
    'ap-1e308',
    'http://x|',
    '|',
    '||',
    '$',
    ',',
    ':missing',
  ),
);

/** Numbers as JSON text, including ones a float cannot hold. */
const oddNumberText = fc.oneof(
  fc.double().map((d) => (Number.isFinite(d) ? String(d) : '1e308')),
  fc.integer().map(String),
  fc.constantFrom(
    '0',
    '-0',
    '0.0',
    '1.50',
    '1e308',
    '1e-400',
    '1e400',
    '-1e400',
    '123456789012345678901234567890',
    '0.12345678901234567890',
    '1E+2',
    '2147483648',
    '-2147483649',
  ),
);

/** A JSON value written as text, numbers included in forms JSON.stringify never writes. */
export const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('null', 'true', 'false'),
    oddNumberText,
    oddString.map((s) => JSON.stringify(s)),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(
        fc.tuple(
          fc.oneof(oddString, fc.constantFrom('resourceType', 'id', 'meta', 'extension', 'value', 'url', 'reference', '__proto__', 'constructor')),
          tie('value'),
        ),
        { maxLength: 4 },
      )
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  ),
})).value;

/** Valid resources to start from; each case breaks one element (or none). */
export const BASES: Array<Record<string, unknown>> = [
  {
    resourceType: 'Patient',
    name: [{ family: 'Rivera', given: ['Ana'] }],
    gender: 'female',
    birthDate: '1970-03-04',
    identifier: [{ system: 'urn:fuzz', value: '1' }],
  },
  {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2024-05-01T08:00:00Z',
    valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    component: [{ code: { text: 'x' }, valueQuantity: { value: 1.5 } }],
  },
  {
    resourceType: 'QuestionnaireResponse',
    status: 'completed',
    questionnaire: 'http://haven.example/fhir/Questionnaire/phq-9',
    subject: { reference: 'Patient/p1' },
    item: [{ linkId: '1', answer: [{ valueCoding: { code: '1' } }] }],
  },
  {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    medicationCodeableConcept: { text: 'Sertraline' },
  },
  { resourceType: 'Basic', code: { text: 'fuzz' }, extension: [{ url: 'http://x', valueDecimal: 1.0 }] },
];

/** Every path (as keys) to a value inside `value`. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (!value || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

function setAt(root: unknown, path: Array<string | number>, replacement: unknown): unknown {
  if (!path.length) return replacement;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]] = replacement;
  return copy;
}

/** A valid resource with one element replaced by an odd value, or an element added; as JSON text. */
export const mutatedResource: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...BASES),
    fc.nat(),
    jsonText,
    fc.oneof(oddString, fc.constantFrom('text', 'contained', 'meta', 'id', 'extension', 'modifierExtension', '_birthDate')),
    fc.boolean(),
  )
  .map(([base, pick, valueText, newKey, add]) => {
    const marker = '"__FUZZ_VALUE__"';
    if (add) return JSON.stringify({ ...base, [newKey]: '__FUZZ_VALUE__' }).replace(marker, valueText);
    const all = paths(base).filter((p) => p.length > 0 && p[0] !== 'resourceType');
    const path = all[pick % all.length];
    return JSON.stringify(setAt(base, path, '__FUZZ_VALUE__')).replace(marker, valueText);
  });

/** Bodies: mutated resources, arbitrary JSON, deep and wide nesting, and text that is no JSON. */
export const body: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: mutatedResource },
  { weight: 2, arbitrary: jsonText },
  { weight: 1, arbitrary: fc.nat({ max: 3000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
  {
    weight: 1,
    arbitrary: fc
      .nat({ max: 2000 })
      .map(
        (n) =>
          `{"resourceType":"Basic","code":{"text":"w"},"extension":[${Array.from({ length: n }, (_, i) => `{"url":"http://x/${i}","valueString":"v"}`).join(',')}]}`,
      ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: mutatedResource.map((text) => text.slice(0, Math.max(1, text.length - 3))) },
);

/** Counts every stored row a write could leave behind. */
export async function storedRows(app: TestApp): Promise<number> {
  const { rows } = await app.db.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM resource) + (SELECT count(*) FROM resource_history) + (SELECT count(*) FROM search_token) AS n`,
  );
  return Number(rows[0].n);
}

export interface Sent {
  status: number;
  body: string;
}

/**
 * Sends one request and checks the answer: no 5xx; on a 4xx an OperationOutcome (OAuth error JSON
 * on /auth), nothing stored; /healthz still answers. Throws with the request and answer otherwise.
 */
export async function sendAndCheck(app: TestApp, request: InjectOptions & { url: string }): Promise<Sent> {
  const before = await storedRows(app);
  const res = await app.app.inject(request);
  const show = () => `${request.method} ${request.url.slice(0, 300)} -> ${res.statusCode} ${res.body.slice(0, 400)}`;
  if (res.statusCode >= 500) throw new Error(`5xx: ${show()}`);
  // A HEAD answer has no body by definition.
  if (res.statusCode >= 400 && request.method !== 'HEAD') {
    let json: { resourceType?: string; error?: string; issue?: unknown[] } | undefined;
    try {
      json = JSON.parse(res.body);
    } catch {
      throw new Error(`4xx without JSON: ${show()}`);
    }
    const oauth = request.url.startsWith('/auth/');
    if (
      oauth ? typeof json?.error !== 'string' && json?.resourceType !== 'OperationOutcome' : json?.resourceType !== 'OperationOutcome' || !json.issue?.length
    ) {
      throw new Error(`4xx without an OperationOutcome: ${show()}`);
    }
    const after = await storedRows(app);
    if (after !== before) throw new Error(`4xx stored ${after - before} rows: ${show()}`);
  }
  const health = await app.app.inject({ method: 'GET', url: '/healthz' });
  if (health.statusCode !== 200) throw new Error(`/healthz answered ${health.statusCode} after ${show()}`);
  return { status: res.statusCode, body: res.body };
}
