// The search scenarios' data set: vital-sign Observations of 1,000 patients spread over a year,
// grown in steps (10,000, then 100,000, then 1,000,000) so that one database serves every scale.
// Haven's rows are written by Haven's own bulk writer (src/store/bulk.ts: the same stamping,
// index extraction and history as a POST, audited by the database triggers like any change), one
// statement per chunk; the baseline's hand-indexed table is then filled from exactly those rows.
import type { Observation, Patient } from '@medplum/fhirtypes';
import type pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { conformanceDir } from '../../src/paths.js';
import type { Database } from '../../src/store/db.js';
import { buildBulkInsert, bulkCreate, type BulkItem } from '../../src/store/bulk.js';
import { createSearchEngine } from '../../src/store/search/engine.js';
import type { ResourceIndexer } from '../../src/store/indexer.js';

export const VITALS = [
  { code: '8867-4', display: 'Heart rate', unit: '/min', base: 60 },
  { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]', base: 110 },
  { code: '59408-5', display: 'Oxygen saturation', unit: '%', base: 94 },
  { code: '8310-5', display: 'Body temperature', unit: 'Cel', base: 36 },
];

const DAY = 86_400_000;
/** Every Observation falls within the year before this instant; searches ask for its last 30 days. */
export const DATA_END = Date.UTC(2026, 10, 1);
export const SEARCH_FROM = new Date(DATA_END - 30 * DAY).toISOString().slice(0, 10);
const LOAD_ACTOR = { settings: { 'haven.actor': JSON.stringify({ requestId: 'bench-load', clientId: 'bench-loader' }) } };
const CHUNK = 2000;

export const patientId = (i: number) => `bench-pat-${i}`;

/** How many Observations the database holds so far, per benchmark database (one process, one run). */
const loaded = new Map<string, number>();
let indexer: ResourceIndexer | undefined;

/**
 * Grows the data set to `target` Observations of `patients` patients (creating the patients first),
 * in Haven's tables and the baseline's alike. Observation k belongs to patient k % patients, has
 * every code in turn and a pseudo-random time in the year before DATA_END.
 */
export async function ensureObservations(
  haven: Database,
  db: pg.Pool,
  key: string,
  target: number,
  patients: number,
  log: (message: string) => void,
): Promise<void> {
  let have = loaded.get(key);
  indexer ??= createSearchEngine({ baseUrl: loadConfig({}).fhirBaseUrl, zone: 'UTC', defaultCount: 20, maxCount: 1000, conformanceDir }).indexer;
  const ix = indexer;
  if (have === undefined) {
    const items: BulkItem[] = Array.from({ length: patients }, (_v, i) => ({ id: patientId(i), resource: patient(i) }));
    await haven.transaction((tx) => bulkCreate(tx, ix, items, CHUNK), LOAD_ACTOR);
    await db.query(
      `INSERT INTO bench_resource (id, content) SELECT id, content::jsonb FROM resource WHERE resource_type = 'Patient' AND id LIKE 'bench-pat-%'`,
    );
    have = 0;
  }
  const started = Date.now();
  const from = have;
  // While the database writes one chunk, Node builds the next (stamping and index extraction cost
  // about as much CPU as the insert): two cores, both busy.
  let inflight: Promise<unknown> | undefined;
  while (have < target) {
    const n = Math.min(CHUNK, target - have);
    const at = have;
    const insert = buildBulkInsert(
      ix,
      Array.from({ length: n }, (_v, k) => ({ resource: observation(at + k, patients) })),
    );
    await inflight;
    inflight = haven.transaction((tx) => tx.query(insert.sql, insert.params), LOAD_ACTOR);
    have += n;
    loaded.set(key, have);
    if (have % 50_000 === 0 || have === target) {
      const rate = Math.round(((have - from) / Math.max(1, Date.now() - started)) * 1000);
      log(`  ${have.toLocaleString('en')} / ${target.toLocaleString('en')} Observations (${rate}/s)`);
    }
  }
  await inflight;
  // The baseline's table: the same stored JSON, its search fields in columns of their own.
  await db.query(
    `INSERT INTO bench_obs (id, subject, code, effective, content)
      SELECT id, content::jsonb #>> '{subject,reference}', content::jsonb #>> '{code,coding,0,code}',
        (content::jsonb ->> 'effectiveDateTime')::timestamptz, content::jsonb
      FROM resource r WHERE resource_type = 'Observation' AND NOT EXISTS (SELECT 1 FROM bench_obs b WHERE b.id = r.id)`,
  );
  // As autovacuum would leave them: statistics, and visibility maps for index-only scans.
  await db.query('VACUUM ANALYZE');
}

function patient(i: number): Patient {
  return { resourceType: 'Patient', name: [{ family: `Bench${i}`, given: ['Pat'] }], gender: i % 2 ? 'female' : 'male', birthDate: '1960-01-01' };
}

function observation(k: number, patients: number): Observation {
  // Every patient has every code: patient k % patients, code by k's round over the patients.
  const vital = VITALS[(k + Math.floor(k / patients)) % VITALS.length];
  // A cheap deterministic scatter over the year (Knuth's multiplicative hash).
  const offset = ((k * 2654435761) % 2 ** 32) / 2 ** 32;
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: vital.code, display: vital.display }], text: vital.display },
    subject: { reference: `Patient/${patientId(k % patients)}` },
    effectiveDateTime: new Date(DATA_END - Math.floor(offset * 365 * DAY)).toISOString(),
    valueQuantity: { value: vital.base + (k % 20), unit: vital.unit, system: 'http://unitsofmeasure.org', code: vital.unit },
  };
}
