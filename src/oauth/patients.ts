// Which patients a signed-in person may open in an app: a Patient only themself, a Practitioner
// the patients of their care teams, a RelatedPerson those whose Consent names them (or everyone
// with USER_ACCESS=all). The answer comes from the same Authorizer and the store's own search (the
// access rule in SQL, the read recorded in the audit trail like any Patient search), so the picker
// never offers a patient the token could not read, and every look at the patient list is on record.
import type { Patient } from '@medplum/fhirtypes';
import type { Grant } from '../auth/grant.js';
import { parseScopes } from '../auth/scopes.js';
import type { Authorizer } from '../auth/authorize.js';
import type { Actor } from '../store/context.js';
import type { SearchEngine } from '../store/search/engine.js';
import type { Store } from '../store/store.js';
import type { PatientChoice } from './pages.js';

const PICKER_LIMIT = 200;

function readerGrant(fhirUser: string): Grant {
  return { issuer: 'haven', fhirUser, scopes: parseScopes('user/Patient.rs').resources, admin: false, scope: 'user/Patient.rs' };
}

/** What the picker needs of the services: the authorizer, the search engine and the store. */
export interface PickerServices {
  auth: { authorizer: Authorizer };
  search: SearchEngine;
  store: Store;
}

/** Who looks at the patient list: the signed-in person (with `fhirUser`), for the app being authorized. */
export type PickerActor = Actor & { fhirUser: string };

/** The patients this person may reach, by id; only `onlyId` when one patient is to be checked. */
export async function reachablePatients(services: PickerServices, actor: PickerActor, onlyId?: string): Promise<PatientChoice[]> {
  const access = services.auth.authorizer.tryAuthorize(readerGrant(actor.fhirUser), { interaction: 'search-type', resourceType: 'Patient' });
  if (!access) return [];
  // The one id as a criterion of its own (not parsed), so a posted value with a comma is no OR.
  const extra = onlyId === undefined ? [] : [{ kind: 'id' as const, ids: [onlyId] }];
  const pairs: Array<[string, string]> = [
    ['_count', String(PICKER_LIMIT)],
    ['_sort', '_id'],
  ];
  const parsed = services.search.parse(['Patient'], pairs, extra);
  const query = `Patient?${new URLSearchParams(onlyId === undefined ? pairs : [['_id', onlyId], ...pairs]).toString()}`;
  const result = await services.store.reader({ actor, access }).searchPage({ ...parsed.request, total: 'none' }, query);
  return result.matches
    .filter((found) => onlyId === undefined || found.id === onlyId)
    .map((found) => describePatient(found.id, JSON.parse(found.json) as Patient));
}

export async function mayReach(services: PickerServices, actor: PickerActor, patientId: string): Promise<PatientChoice | undefined> {
  // A posted id with NUL names no patient (and PostgreSQL text could not hold it: a 500).
  if (patientId.includes('\0')) return undefined;
  return (await reachablePatients(services, actor, patientId))[0];
}

function describePatient(id: string, patient: Patient): PatientChoice {
  const name = patient.name?.[0];
  const text = name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' ');
  return { id, name: text || `Patient ${id}`, ...(patient.birthDate ? { birthDate: patient.birthDate } : {}) };
}
