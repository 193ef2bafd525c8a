// Shared set-up of the clinical-alert tests: a patient with an active CareTeam, readings sent as
// the app (vitals records) or as a device (LOINC-coded Observations through /fhir), and the open
// alert Flags found with the contract's search (Flag?patient=…&status=active).
import type { TestApp } from '../helpers/app.js';
import { apiClient } from '../api/helpers.js';

export const RULE_SYSTEM = 'https://haven-fhir.org/fhir/CodeSystem/alert-rule';
export const SEVERITY_URL = 'https://haven-fhir.org/fhir/StructureDefinition/alert-severity';

let counter = 0;

/** A new patient (a fresh one per case: one open Flag per patient and rule) with an active CareTeam. */
export async function newPatient(app: TestApp, prefix = 'p'): Promise<string> {
  const id = `${prefix}-${process.pid}-${++counter}`;
  const put = await app.fhir('PUT', `Patient/${id}`, { resourceType: 'Patient', id });
  if (put.status >= 300) throw new Error(`Patient/${id}: ${put.status} ${put.body}`);
  const team = await app.fhir('POST', 'CareTeam', {
    resourceType: 'CareTeam',
    status: 'active',
    subject: { reference: `Patient/${id}` },
    participant: [{ member: { reference: 'Practitioner/dr-alerts' } }],
  });
  if (team.status !== 201) throw new Error(`CareTeam: ${team.status} ${team.body}`);
  return id;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** Posts a vitals record through the app-records API; the answer. */
export async function postVitals(app: TestApp, patientId: string, vitals: Record<string, unknown>, token?: string): Promise<Json> {
  const res = await apiClient(app, token)('POST', `${patientId}/vitals`, { recordedAt: new Date().toISOString(), ...vitals });
  if (res.status !== 201) throw new Error(`vitals: ${res.status} ${res.body}`);
  return res.json;
}

/** A device's Observation of one LOINC-coded quantity, or a BP panel with components. */
export function observation(patientId: string, code: string, value: number, unit: string, at = new Date().toISOString()): Json {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: at,
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  };
}

export function bpPanel(patientId: string, systolic: number, diastolic: number, at = new Date().toISOString()): Json {
  const component = (code: string, value: number) => ({
    code: { coding: [{ system: 'http://loinc.org', code }] },
    valueQuantity: { value, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
  });
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: at,
    component: [component('8480-6', systolic), component('8462-4', diastolic)],
  };
}

export async function postObservation(app: TestApp, body: Json, token?: string): Promise<Json> {
  const client = token === undefined ? app.fhir : app.as(token);
  const res = await client('POST', 'Observation', body);
  if (res.status !== 201) throw new Error(`Observation: ${res.status} ${res.body}`);
  return res.json;
}

/** The patient's active Flags of one alert rule (the contract's search plus the code). */
export async function openAlerts(app: TestApp, patientId: string, rule?: string): Promise<Json[]> {
  const code = rule ? `&code=${encodeURIComponent(`${RULE_SYSTEM}|${rule}`)}` : '';
  const res = await app.fhir('GET', `Flag?patient=Patient/${patientId}&status=active${code}`);
  if (res.status !== 200) throw new Error(`Flag search: ${res.status} ${res.body}`);
  return (res.json.entry ?? []).map((e: Json) => e.resource);
}

export function severity(flag: Json): string | undefined {
  return flag.extension?.find((e: Json) => e.url === SEVERITY_URL)?.valueCode;
}

export async function countOf(app: TestApp, type: string, patientId: string): Promise<number> {
  const param = type === 'Task' ? 'patient' : 'patient';
  const res = await app.fhir('GET', `${type}?${param}=Patient/${patientId}&_summary=count`);
  return res.json.total;
}
