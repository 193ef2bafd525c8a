// Each write-time vital rule at each threshold edge (just below, at, just above), through the
// app-records API (a vitals record) and through FHIR (a device's LOINC-coded Observation). The
// thresholds and severities are literal values from ../shared/reference/clinical-alerts.md §1.2.
import t, { type Test } from 'tap';
import { testApp } from '../helpers/app.js';
import { bpPanel, newPatient, observation, openAlerts, postObservation, postVitals, severity, type Json } from './helpers.js';

const app = await testApp(t);

type Field = 'systolic' | 'diastolic' | 'heartRate' | 'spo2' | 'temperature';
/** One reading at an edge, and the severity of the rule's Flag it raises (null: no Flag). */
type Edge = [value: number, expect: string | null];

// Each rule's edges, just outside and inside each band, as clinical-alerts.md §1.2 states them.
const table: Array<{ rule: string; field: Field; edges: Edge[] }> = [
  // bp-crisis: SBP ≥180 or DBP ≥120, critical
  {
    rule: 'bp-crisis',
    field: 'systolic',
    edges: [
      [179, null],
      [180, 'critical'],
      [181, 'critical'],
    ],
  },
  {
    rule: 'bp-crisis',
    field: 'diastolic',
    edges: [
      [119, null],
      [120, 'critical'],
      [121, 'critical'],
    ],
  },
  // bp-low: SBP <90 high, <80 critical
  {
    rule: 'bp-low',
    field: 'systolic',
    edges: [
      [91, null],
      [90, null],
      [89, 'high'],
      [81, 'high'],
      [80, 'high'],
      [79, 'critical'],
    ],
  },
  // heart-rate-high: >120 high, ≥131 critical
  {
    rule: 'heart-rate-high',
    field: 'heartRate',
    edges: [
      [119, null],
      [120, null],
      [121, 'high'],
      [130, 'high'],
      [131, 'critical'],
      [132, 'critical'],
    ],
  },
  // heart-rate-low: <50 medium, ≤40 high
  {
    rule: 'heart-rate-low',
    field: 'heartRate',
    edges: [
      [51, null],
      [50, null],
      [49, 'medium'],
      [41, 'medium'],
      [40, 'high'],
      [39, 'high'],
    ],
  },
  // spo2-low: ≤92 high, <88 critical
  {
    rule: 'spo2-low',
    field: 'spo2',
    edges: [
      [93, null],
      [92, 'high'],
      [91, 'high'],
      [89, 'high'],
      [88, 'high'],
      [87, 'critical'],
    ],
  },
  // fever: ≥100.4 °F medium, ≥102.4 °F high
  {
    rule: 'fever',
    field: 'temperature',
    edges: [
      [100.3, null],
      [100.4, 'medium'],
      [100.5, 'medium'],
      [102.3, 'medium'],
      [102.4, 'high'],
      [102.5, 'high'],
    ],
  },
];

/** How a reading of each field is sent: as the app's vitals record, and as a device's Observation. */
const send: Record<Field, { vitals(value: number): Record<string, number>; device(patientId: string, value: number): Json }> = {
  systolic: { vitals: (v) => ({ systolicBP: v, diastolicBP: 60 }), device: (p, v) => bpPanel(p, v, 60) },
  diastolic: { vitals: (v) => ({ systolicBP: 150, diastolicBP: v }), device: (p, v) => bpPanel(p, 150, v) },
  heartRate: { vitals: (v) => ({ heartRate: v }), device: (p, v) => observation(p, '8867-4', v, '/min') },
  spo2: { vitals: (v) => ({ oxygenSaturation: v }), device: (p, v) => observation(p, '59408-5', v, '%') },
  temperature: { vitals: (v) => ({ temperatureF: v }), device: (p, v) => observation(p, '8310-5', v, '[degF]') },
};

/** The rule's open Flags of one patient are as expected: none, or one of the expected severity. */
function checkFlags(t: Test, where: string, flags: Json[], expect: string | null): void {
  if (expect === null) return void t.equal(flags.length, 0, `${where}: no Flag of the rule`);
  t.equal(flags.length, 1, `${where}: one Flag`);
  t.equal(severity(flags[0]), expect, `${where}: severity`);
}

for (const { rule, field, edges } of table) {
  for (const [value, expect] of edges) {
    t.test(`${rule}: ${field} ${value} -> ${expect ?? 'no alert'}`, async (t) => {
      // The app's vitals record
      const viaApp = await newPatient(app);
      const answer = await postVitals(app, viaApp, send[field].vitals(value));
      const appFlags = await openAlerts(app, viaApp, rule);
      checkFlags(t, 'app record', appFlags, expect);
      if (expect !== null) t.ok(answer.alerts?.includes(`Flag/${appFlags[0]?.id}`), 'the vitals answer lists the Flag it raised');
      // A device's Observation through FHIR
      const viaFhir = await newPatient(app);
      await postObservation(app, send[field].device(viaFhir, value));
      checkFlags(t, 'FHIR', await openAlerts(app, viaFhir, rule), expect);
    });
  }
}

t.test('a standalone systolic Observation (8480-6) raises bp-crisis as the panel does', async (t) => {
  const p = await newPatient(app);
  await postObservation(app, observation(p, '8480-6', 180, 'mm[Hg]'));
  const [flag] = await openAlerts(app, p, 'bp-crisis');
  t.equal(severity(flag), 'critical');
});
