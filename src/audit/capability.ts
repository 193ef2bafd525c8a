// AuditEvent in the CapabilityStatement: read, vread of its single version and search-type with
// the parameters src/audit/search-params.ts understands; no write interaction and no history.
import type { CapabilityStatementRestResource } from '@medplum/fhirtypes';

const PARAMS: CapabilityStatementRestResource['searchParam'] = [
  { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' },
  { name: 'date', type: 'date', definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-date' },
  { name: 'patient', type: 'reference', definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-patient' },
  { name: 'entity', type: 'reference', definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-entity' },
  {
    name: 'agent',
    type: 'reference',
    definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-agent',
    documentation: 'agent=Practitioner/1 matches the user (fhirUser); agent:identifier=<client id> matches the OAuth client',
  },
  { name: 'action', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-action' },
  { name: 'subtype', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-subtype' },
  { name: 'outcome', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-outcome' },
];

export const AUDIT_EVENT_CAPABILITY: CapabilityStatementRestResource = {
  type: 'AuditEvent',
  documentation:
    'The audit trail, written by the database for every change, read and search (IHE BALP shapes; searches use action E). Read-only: create, update, patch and delete answer 405.',
  interaction: [{ code: 'read' }, { code: 'vread' }, { code: 'search-type' }],
  versioning: 'versioned',
  readHistory: false,
  updateCreate: false,
  conditionalCreate: false,
  conditionalRead: 'not-supported',
  conditionalUpdate: false,
  conditionalDelete: 'not-supported',
  searchParam: PARAMS,
};
