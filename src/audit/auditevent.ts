// An audit log row as an R4 AuditEvent, shaped as IHE Basic Audit Log Patterns (BALP) prescribes
// for RESTful interactions: type rest, subtype the restful-interaction, agents for the client, the
// server and the user, entities for the patient(s), the data, the query and the X-Request-Id.
// Codes and displays: /work/shared/reference/clinical-codes.md section 11 and the R4 definitions.
import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding, ResourceType } from '@medplum/fhirtypes';
import type { AuditRecord } from '../store/audit-log.js';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const SOURCE_ROLE: Coding = { system: DCM, code: '110153', display: 'Source Role ID' };
const DESTINATION_ROLE: Coding = { system: DCM, code: '110152', display: 'Destination Role ID' };
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const INFORMATION_RECIPIENT: Coding = { system: PARTICIPATION, code: 'IRCP', display: 'information recipient' };
const AUTHOR: Coding = { system: PARTICIPATION, code: 'AUT', display: 'author (originator)' };
const REST: Coding = { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' };
export const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const PERSON: Coding = { system: ENTITY_TYPE, code: '1', display: 'Person' };
const SYSTEM_OBJECT: Coding = { system: ENTITY_TYPE, code: '2', display: 'System Object' };
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const PATIENT_ROLE: Coding = { system: OBJECT_ROLE, code: '1', display: 'Patient' };
const DOMAIN_RESOURCE: Coding = { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' };
const QUERY_ROLE: Coding = { system: OBJECT_ROLE, code: '24', display: 'Query' };
const REQUEST_ID: Coding = { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', code: 'XrequestId' };
const APPLICATION_SERVER: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  code: '4',
  display: 'Application Server',
};

export interface AuditServer {
  /** The FHIR base URL: identifies Haven as observer and server agent. */
  fhirBaseUrl: string;
}

/**
 * `viewer`: the patients of the event a confined caller (a patient/ or user/ token) may see. Its view
 * leaves out what could name anyone else: other patients, a patient who acted, and the raw query.
 */
export function toAuditEvent(record: AuditRecord, server: AuditServer, viewer?: readonly string[]): AuditEvent {
  const { outcomeDesc, resultCount } = record;
  const listing = record.action === 'E' || record.interaction.startsWith('history');
  const shown = viewer ? redact(record, viewer) : record;
  const entity = entities(shown);
  return {
    resourceType: 'AuditEvent',
    id: record.id,
    meta: { versionId: '1', lastUpdated: record.recorded },
    type: REST,
    subtype: [{ system: RESTFUL_INTERACTION, code: record.interaction, display: record.interaction }],
    action: record.action,
    recorded: record.recorded,
    outcome: String(record.outcome) as AuditEvent['outcome'],
    ...(outcomeDesc
      ? { outcomeDesc }
      : listing && resultCount !== undefined
        ? { outcomeDesc: `${resultCount} ${resultCount === 1 ? 'resource' : 'resources'} returned` }
        : {}),
    agent: agents(shown, server),
    source: { site: new URL(server.fhirBaseUrl).host, observer: observer(server), type: [APPLICATION_SERVER] },
    ...(entity.length ? { entity } : {}),
  };
}

/**
 * BALP's direction of data: for a read the server is the source and the client the destination;
 * for create, update, delete and for searches (whose query flows to the server) it is reversed.
 */
function agents(record: AuditRecord, server: AuditServer): AuditEventAgent[] {
  const read = record.action === 'R';
  const hasUser = record.fhirUser !== undefined || record.subject !== undefined;
  const client: AuditEventAgent = {
    type: { coding: [read ? DESTINATION_ROLE : SOURCE_ROLE] },
    who: record.clientId ? { identifier: { value: record.clientId }, display: record.clientId } : { display: 'unidentified client' },
    requestor: !hasUser,
    ...(record.sourceAddress ? { network: { address: record.sourceAddress, type: '2' } } : {}),
  };
  const haven: AuditEventAgent = {
    type: { coding: [read ? SOURCE_ROLE : DESTINATION_ROLE] },
    who: observer(server),
    requestor: false,
    network: { address: server.fhirBaseUrl, type: '5' },
  };
  if (!hasUser) return [client, haven];
  const writes = record.action === 'C' || record.action === 'U' || record.action === 'D';
  const user: AuditEventAgent = {
    type: { coding: [writes ? AUTHOR : INFORMATION_RECIPIENT] },
    who: record.fhirUser ? { reference: record.fhirUser } : { identifier: { value: record.subject } },
    ...(record.fhirUser && record.subject ? { altId: record.subject } : {}),
    requestor: true,
  };
  return [client, haven, user];
}

function entities(record: AuditRecord): AuditEventEntity[] {
  const list: AuditEventEntity[] = [];
  if (record.query !== undefined) {
    list.push({ type: SYSTEM_OBJECT, role: QUERY_ROLE, query: Buffer.from(record.query, 'utf8').toString('base64') });
  }
  const patients = record.compartments.filter((c) => c.startsWith('Patient/'));
  for (const reference of patients) list.push({ what: { reference }, type: PERSON, role: PATIENT_ROLE });
  if (record.launchPatient && !patients.includes(`Patient/${record.launchPatient}`)) {
    list.push({
      what: { reference: `Patient/${record.launchPatient}` },
      type: PERSON,
      role: PATIENT_ROLE,
      description: 'The patient in context of the access token',
    });
  }
  // The one resource an instance interaction concerns is named with its version when known.
  const single = record.entityId !== undefined && record.entityRefs.length === 1;
  for (const ref of record.entityRefs) {
    const reference = single && record.entityVersion !== undefined ? `${ref}/_history/${record.entityVersion}` : ref;
    list.push({ what: { reference }, type: SYSTEM_OBJECT, role: DOMAIN_RESOURCE });
  }
  if (!record.entityRefs.length && record.query === undefined && record.entityType) {
    // A type-level interaction, or a refused one (whose ids are not kept): the type alone.
    list.push({ what: { type: record.entityType as ResourceType }, type: SYSTEM_OBJECT, role: DOMAIN_RESOURCE });
  }
  if (record.requestId) list.push({ what: { identifier: { value: record.requestId } }, type: REQUEST_ID });
  return list;
}

function redact(record: AuditRecord, viewer: readonly string[]): AuditRecord {
  const launch = record.launchPatient;
  const hiddenUser = record.fhirUser?.startsWith('Patient/') === true && !viewer.includes(record.fhirUser);
  return {
    ...record,
    ...(hiddenUser ? { fhirUser: undefined, subject: undefined } : {}),
    compartments: record.compartments.filter((c) => viewer.includes(c)),
    launchPatient: launch !== undefined && viewer.includes(`Patient/${launch}`) ? launch : undefined,
    query: undefined,
  };
}

function observer(server: AuditServer): { identifier: { value: string }; display: string } {
  return { identifier: { value: server.fhirBaseUrl }, display: 'Haven' };
}
