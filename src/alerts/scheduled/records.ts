// Gathers what the scheduled rules read about one patient, in the job's transaction for that patient.
import type { CarePlan, MedicationAdministration, MedicationRequest, Observation } from '@medplum/fhirtypes';
import type { ResourceStore } from '../../store/resources.js';
import type { SearchEngine } from '../../store/search/engine.js';
import { searchInstant, searchPatient } from '../patient-search.js';
import type { PatientRecords } from './types.js';

const DAY_MS = 86_400_000;

export async function patientRecords(s: ResourceStore, search: SearchEngine, patientId: string, now: Date): Promise<PatientRecords> {
  const since = (days: number) => `ge${searchInstant(new Date(now.getTime() - days * DAY_MS))}`;
  const medications = (await searchPatient(s, search, patientId, 'MedicationRequest', [['status', 'active']])) as MedicationRequest[];
  const administrations = medications.length
    ? ((await searchPatient(s, search, patientId, 'MedicationAdministration', [['effective-time', since(31)]])) as MedicationAdministration[])
    : [];
  const carePlans = (await searchPatient(s, search, patientId, 'CarePlan', [['status', 'active']])) as CarePlan[];
  const scores = (await searchPatient(s, search, patientId, 'Observation', [
    ['code', 'http://loinc.org|44261-6,http://loinc.org|70274-6'],
    ['date', since(183)],
  ])) as Observation[];
  return { patientId, medications, administrations, activeCarePlan: carePlans.length > 0, scores };
}
