// Which patients a signed-in person may open in an app: a Patient only themself, a Practitioner
// the patients of their care teams, a RelatedPerson those whose Consent names them (or everyone
// with USER_ACCESS=all). The answer comes from the same Authorizer and SQL access rule that every
// FHIR request goes through, so the picker never offers a patient the token could not read.
import type { Patient } from '@medplum/fhirtypes';
import type { Grant } from '../auth/grant.js';
import { parseScopes } from '../auth/scopes.js';
import type { Services } from '../runtime.js';
import { accessCondition } from '../store/access.js';
import { Statement } from '../store/statement.js';
import type { PatientChoice } from './pages.js';

const PICKER_LIMIT = 200;

function readerGrant(fhirUser: string): Grant {
  return { issuer: 'haven', fhirUser, scopes: parseScopes('user/Patient.rs').resources, admin: false, scope: 'user/Patient.rs' };
}

/** The patients this person may reach, by name; only `id` when one patient is to be checked. */
export async function reachablePatients(services: Services, fhirUser: string, onlyId?: string): Promise<PatientChoice[]> {
  const access = services.auth.authorizer.tryAuthorize(readerGrant(fhirUser), { interaction: 'search-type', resourceType: 'Patient' });
  if (!access) return [];
  const stmt = new Statement();
  const condition = accessCondition(access, 'r', stmt);
  const only = onlyId === undefined ? '' : ` AND r.id = ${stmt.param(onlyId)}`;
  const { rows } = await services.db.query<{ id: string; content: string }>(
    stmt.build(`SELECT r.id, r.content FROM resource r
      WHERE r.resource_type = 'Patient' AND NOT r.deleted AND ${condition}${only}
      ORDER BY r.id LIMIT ${PICKER_LIMIT}`),
    stmt.params,
  );
  return rows.map((row) => describePatient(row.id, JSON.parse(row.content) as Patient));
}

export async function mayReach(services: Services, fhirUser: string, patientId: string): Promise<PatientChoice | undefined> {
  // A posted id with NUL names no patient (and PostgreSQL text could not hold it: a 500).
  if (patientId.includes('\0')) return undefined;
  return (await reachablePatients(services, fhirUser, patientId))[0];
}

function describePatient(id: string, patient: Patient): PatientChoice {
  const name = patient.name?.[0];
  const text = name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' ');
  return { id, name: text || `Patient ${id}`, ...(patient.birthDate ? { birthDate: patient.birthDate } : {}) };
}
