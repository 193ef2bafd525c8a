// Each write-time vital rule at each threshold edge (just below, at, just above), through the
// app-records API (a vitals record) and through FHIR (a device's LOINC-coded Observation). The
// thresholds and severities are literal values from ../shared/reference/clinical-alerts.md §1.2.
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { bpPanel, newPatient, observation, openAlerts, postObservation, postVitals, severity, type Json } from './helpers.js';

const app = await testApp(t);

type Field = 'systolic' | 'diastolic' | 'heartRate' | 'spo2' | 'temperature';
interface Case {
  rule: string;
  field: Field;
  value: number;
  /** Severity of the rule's Flag, or null for no Flag. */
  expect: string | null;
}

const cases: Case[] = [
  // bp-crisis: SBP ≥180 or DBP ≥120, critical
  { rule: 'bp-crisis', field: 'systolic', value: 179, expect: null },
  { rule: 'bp-crisis', field: 'systolic', value: 180, expect: 'critical' },
  { rule: 'bp-crisis', field: 'systolic', value: 181, expect: 'critical' },
  { rule: 'bp-crisis', field: 'diastolic', value: 119, expect: null },
  { rule: 'bp-crisis', field: 'diastolic', value: 120, expect: 'critical' },
  { rule: 'bp-crisis', field: 'diastolic', value: 121, expect: 'critical' },
  // bp-low: SBP <90 high, <80 critical
  { rule: 'bp-low', field: 'systolic', value: 91, expect: null },
  { rule: 'bp-low', field: 'systolic', value: 90, expect: null },
  { rule: 'bp-low', field: 'systolic', value: 89, expect: 'high' },
  { rule: 'bp-low', field: 'systolic', value: 81, expect: 'high' },
  { rule: 'bp-low', field: 'systolic', value: 80, expect: 'high' },
  { rule: 'bp-low', field: 'systolic', value: 79, expect: 'critical' },
  // heart-rate-high: >120 high, ≥131 critical
  { rule: 'heart-rate-high', field: 'heartRate', value: 119, expect: null },
  { rule: 'heart-rate-high', field: 'heartRate', value: 120, expect: null },
  { rule: 'heart-rate-high', field: 'heartRate', value: 121, expect: 'high' },
  { rule: 'heart-rate-high', field: 'heartRate', value: 130, expect: 'high' },
  { rule: 'heart-rate-high', field: 'heartRate', value: 131, expect: 'critical' },
  { rule: 'heart-rate-high', field: 'heartRate', value: 132, expect: 'critical' },
  // heart-rate-low: <50 medium, ≤40 high
  { rule: 'heart-rate-low', field: 'heartRate', value: 51, expect: null },
  { rule: 'heart-rate-low', field: 'heartRate', value: 50, expect: null },
  { rule: 'heart-rate-low', field: 'heartRate', value: 49, expect: 'medium' },
  { rule: 'heart-rate-low', field: 'heartRate', value: 41, expect: 'medium' },
  { rule: 'heart-rate-low', field: 'heartRate', value: 40, expect: 'high' },
  { rule: 'heart-rate-low', field: 'heartRate', value: 39, expect: 'high' },
  // spo2-low: ≤92 high, <88 critical
  { rule: 'spo2-low', field: 'spo2', value: 93, expect: null },
  { rule: 'spo2-low', field: 'spo2', value: 92, expect: 'high' },
  { rule: 'spo2-low', field: 'spo2', value: 91, expect: 'high' },
  { rule: 'spo2-low', field: 'spo2', value: 89, expect: 'high' },
  { rule: 'spo2-low', field: 'spo2', value: 88, expect: 'high' },
  { rule: 'spo2-low', field: 'spo2', value: 87, expect: 'critical' },
  // fever: ≥100.4 °F medium, ≥102.4 °F high
  { rule: 'fever', field: 'temperature', value: 100.3, expect: null },
  { rule: 'fever', field: 'temperature', value: 100.4, expect: 'medium' },
  { rule: 'fever', field: 'temperature', value: 100.5, expect: 'medium' },
  { rule: 'fever', field: 'temperature', value: 102.3, expect: 'medium' },
  { rule: 'fever', field: 'temperature', value: 102.4, expect: 'high' },
  { rule: 'fever', field: 'temperature', value: 102.5, expect: 'high' },
];

function vitalsRecord(c: Case): Record<string, number> {
  switch (c.field) {
    case 'systolic':
      return { systolicBP: c.value, diastolicBP: 60 };
    case 'diastolic':
      return { systolicBP: 150, diastolicBP: c.value };
    case 'heartRate':
      return { heartRate: c.value };
    case 'spo2':
      return { oxygenSaturation: c.value };
    case 'temperature':
      return { temperatureF: c.value };
  }
}

function deviceObservation(patientId: string, c: Case): Json {
  switch (c.field) {
    case 'systolic':
      return bpPanel(patientId, c.value, 60);
    case 'diastolic':
      return bpPanel(patientId, 150, c.value);
    case 'heartRate':
      return observation(patientId, '8867-4', c.value, '/min');
    case 'spo2':
      return observation(patientId, '59408-5', c.value, '%');
    case 'temperature':
      return observation(patientId, '8310-5', c.value, '[degF]');
  }
}

for (const c of cases) {
  t.test(`${c.rule}: ${c.field} ${c.value} -> ${c.expect ?? 'no alert'}`, async (t) => {
    // The app's vitals record
    const viaApp = await newPatient(app);
    const answer = await postVitals(app, viaApp, vitalsRecord(c));
    const appFlags = await openAlerts(app, viaApp, c.rule);
    if (c.expect === null) {
      t.equal(appFlags.length, 0, 'app record: no Flag of the rule');
    } else {
      t.equal(appFlags.length, 1, 'app record: one Flag');
      t.equal(severity(appFlags[0]), c.expect, 'app record: severity');
      t.ok(answer.alerts?.includes(`Flag/${appFlags[0].id}`), 'the vitals answer lists the Flag it raised');
    }
    // A device's Observation through FHIR
    const viaFhir = await newPatient(app);
    await postObservation(app, deviceObservation(viaFhir, c));
    const fhirFlags = await openAlerts(app, viaFhir, c.rule);
    if (c.expect === null) t.equal(fhirFlags.length, 0, 'FHIR: no Flag of the rule');
    else {
      t.equal(fhirFlags.length, 1, 'FHIR: one Flag');
      t.equal(severity(fhirFlags[0]), c.expect, 'FHIR: severity');
    }
  });
}

t.test('a standalone systolic Observation (8480-6) raises bp-crisis as the panel does', async (t) => {
  const p = await newPatient(app);
  await postObservation(app, observation(p, '8480-6', 180, 'mm[Hg]'));
  const [flag] = await openAlerts(app, p, 'bp-crisis');
  t.equal(severity(flag), 'critical');
});
