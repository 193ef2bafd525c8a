// The app-records API (/api/v1, shared/CONTRACT.md): a cuff's reading posted as a vitals record,
// and a PHQ-9 assessment (scored, its total stored as an Observation). The baseline stores the
// FHIR resources each record maps to (as many rows as Haven writes), in one transaction of its own
// (bench/baseline/server.ts).
import { PHQ9 } from '../../src/mappers/instruments.js';
import { heartRate } from '../lib/fixtures.js';
import { BENCH_PATIENT, ensurePatient } from './basic.js';
import type { Scenario } from './scenario.js';

const LOINC = 'http://loinc.org';

function vitalsRecord(): string {
  return JSON.stringify({
    recordedAt: new Date().toISOString(),
    systolicBP: 110 + Math.floor(Math.random() * 30),
    diastolicBP: 70 + Math.floor(Math.random() * 15),
    heartRate: 60 + Math.floor(Math.random() * 40),
  });
}

/** What a vitals record stores: the vital-signs panel, its blood-pressure panel and a heart rate. */
function vitalsResources(): string {
  const panel = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: LOINC, code: '85353-1', display: 'Vital signs, weight, height, head circumference, oxygen saturation and BMI panel' }] },
    subject: { reference: `Patient/${BENCH_PATIENT}` },
    effectiveDateTime: new Date().toISOString(),
  };
  const bp = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel' }] },
    subject: { reference: `Patient/${BENCH_PATIENT}` },
    effectiveDateTime: new Date().toISOString(),
    component: [
      {
        code: { coding: [{ system: LOINC, code: '8480-6' }] },
        valueQuantity: { value: 120, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      },
      {
        code: { coding: [{ system: LOINC, code: '8462-4' }] },
        valueQuantity: { value: 80, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      },
    ],
  };
  return JSON.stringify([panel, bp, heartRate(BENCH_PATIENT, new Date())]);
}

/** Item 9 stays 0: no Flag, the common case. */
function phq9Record(): string {
  const responses = Array.from({ length: 9 }, (_v, i) => (i === 8 ? 0 : Math.floor(Math.random() * 4)));
  return JSON.stringify({ type: 'PHQ-9', responses, takenAt: new Date().toISOString() });
}

/** What an assessment stores: the QuestionnaireResponse, the panel, its nine item Observations and the total. */
function phq9Resources(): string {
  const response = {
    resourceType: 'QuestionnaireResponse',
    status: 'completed',
    subject: { reference: `Patient/${BENCH_PATIENT}` },
    authored: new Date().toISOString(),
    item: Array.from({ length: 9 }, (_v, i) => ({ linkId: String(i + 1), answer: [{ valueInteger: i % 4 }] })),
  };
  const score = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: LOINC, code: '44261-6', display: 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]' }] },
    subject: { reference: `Patient/${BENCH_PATIENT}` },
    effectiveDateTime: new Date().toISOString(),
    valueInteger: 9,
  };
  const observation = (code: string, value: number) => ({ ...score, code: { coding: [{ system: LOINC, code }] }, valueInteger: value });
  const items = PHQ9.items.map((item, i) => observation(item.code, i % 4));
  return JSON.stringify([response, observation('44249-1', 9), ...items, score]);
}

/** POST of one record under the bench patient; the baseline stores what the record maps to. */
function recordScenario(name: string, kind: string, record: () => string, resources: () => string): Scenario {
  return {
    name,
    async prepare(ctx) {
      await ensurePatient(ctx);
      return {
        haven: {
          method: 'POST',
          path: `/api/v1/patients/${BENCH_PATIENT}/${kind}`,
          body: record,
          headers: { ...ctx.havenHeaders, 'content-type': 'application/json' },
        },
        baseline: { method: 'POST', path: '/baseline/transaction', body: resources },
      };
    },
  };
}

export const recordsVitals = recordScenario('records-vitals', 'vitals', vitalsRecord, vitalsResources);
export const recordsAssessment = recordScenario('records-phq9', 'assessments', phq9Record, phq9Resources);
