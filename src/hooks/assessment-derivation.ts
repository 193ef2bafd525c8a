// The after-write hook that keeps what a PHQ-9 or GAD-7 QuestionnaireResponse derives in step with
// it, in the response's transaction: scores written when it is created, rewritten when it changes,
// retired (deleted) when it is deleted or no longer a finished response; a suicide-risk Flag and a
// Communication to the care teams raised when PHQ-9 item 9 is above 0. Responses from the FHIR API
// and from the app-records API take this one path, so they are scored alike.
import type { Communication, Flag, Observation, QuestionnaireResponse, Resource } from '@medplum/fhirtypes';
import { FhirError } from '../errors.js';
import type { AfterWriteHook, WrittenVersion } from '../fhir/interactions/hooks.js';
import { sameContent } from '../fhir/content.js';
import type { ResourceValidator } from '../fhir/validate.js';
import { deriveAssessment, derivedObservationIds, type AssessmentDerivation } from '../mappers/assessment-derivation.js';
import { EXTENSION } from '../mappers/codes.js';
import { referencedId } from '../mappers/fhir.js';
import { instrumentOf, type Instrument } from '../mappers/instruments.js';
import { readResponse, type ResponseReading } from '../mappers/questionnaire-response.js';
import type { ResourceStore } from '../store/resources.js';
import { activeCareTeamIds, type CareTeamLookup } from '../alerts/care-teams.js';

export interface AssessmentHookOptions {
  /** Checks every derived resource against the R4 schema before it is stored. */
  validator: ResourceValidator;
  careTeams?: CareTeamLookup;
  clock?: () => Date;
}

export function assessmentDerivationHook(options: AssessmentHookOptions): AfterWriteHook {
  const careTeams = options.careTeams ?? activeCareTeamIds;
  const clock = options.clock ?? (() => new Date());
  return async (s, written) => {
    const response = written.resource as QuestionnaireResponse | undefined;
    const reading = response ? readResponse(response) : undefined;
    if (reading?.problems.length) {
      throw new FhirError(
        'invalid-resource',
        422,
        reading.problems.map((p) => ({
          severity: 'error',
          code: 'invalid',
          diagnostics: `${reading.instrument.type} response: ${p.message}`,
          expression: [p.path],
        })),
      );
    }
    const previous = await previousInstrument(s, written);
    if (!reading && !previous) return;
    const owner = `QuestionnaireResponse/${written.version.id}`;
    const derived = response && reading ? await derive(s, response, reading, careTeams, clock().toISOString()) : { observations: [] };

    const fresh = written.version.versionId === 1;
    const kept = new Set<string>();
    for (const observation of derived.observations) {
      kept.add(observation.id as string);
      await writeOwned(s, observation, owner, fresh, options.validator);
    }
    const candidates = new Set(
      [reading?.instrument, previous].filter((i): i is Instrument => !!i).flatMap((i) => derivedObservationIds(written.version.id, i)),
    );
    if (!fresh) for (const id of candidates) if (!kept.has(id)) await retireOwned(s, id, owner);
    if (derived.flag) await raiseFlag(s, derived.flag, derived.communication, owner, fresh, options.validator);
  };
}

/** The instrument of the version before this one, whose derived resources may need retiring. */
async function previousInstrument(s: ResourceStore, written: WrittenVersion): Promise<Instrument | undefined> {
  const { version } = written;
  if (version.versionId === 1) return undefined;
  const before = await s.vread(version.resourceType, version.id, version.versionId - 1);
  if (!before?.json) return undefined;
  return instrumentOf((JSON.parse(before.json) as QuestionnaireResponse).questionnaire)?.instrument;
}

/** Derives; the care teams are looked up only when there is an alert to send them. */
async function derive(
  s: ResourceStore,
  response: QuestionnaireResponse,
  reading: ResponseReading,
  careTeams: CareTeamLookup,
  now: string,
): Promise<AssessmentDerivation> {
  const derived = deriveAssessment(response, reading, { now, careTeamIds: [] });
  const patientId = referencedId(response.subject, 'Patient');
  if (!derived.flag || !patientId) return derived;
  return deriveAssessment(response, reading, { now, careTeamIds: await careTeams(s, patientId) });
}

/**
 * Writes a derived resource under its fixed id, only when it is new or changed. A resource of that
 * id that this response does not own is never overwritten: the write is refused (409).
 */
async function writeOwned(s: ResourceStore, resource: Resource, owner: string, fresh: boolean, validator: ResourceValidator): Promise<void> {
  checkValid(resource, validator);
  const id = resource.id as string;
  if (fresh) {
    await s.create(resource, 'POST', id);
    return;
  }
  const current = await s.readForUpdate(resource.resourceType, id);
  if (current?.json) {
    const stored = JSON.parse(current.json) as Resource;
    if (!ownedBy(stored, owner)) throw FhirError.conflict('already-exists', `${resource.resourceType}/${id} exists and was not derived from ${owner}`);
    if (sameContent(stored, resource)) return;
  }
  await s.update(resource.resourceType, id, resource);
}

async function retireOwned(s: ResourceStore, id: string, owner: string): Promise<void> {
  const current = await s.readForUpdate('Observation', id);
  if (!current?.json || !ownedBy(JSON.parse(current.json) as Resource, owner)) return;
  await s.delete('Observation', id);
}

/**
 * Raises the suicide-risk Flag unless it is already up, and tells the care teams when it is raised.
 * A Flag once raised is never lowered here, not even when the answer changes or the response is
 * deleted: closing a suicide-risk alert is the clinical team's decision (clinical-codes.md §10).
 */
async function raiseFlag(
  s: ResourceStore,
  flag: Flag,
  communication: Communication | undefined,
  owner: string,
  fresh: boolean,
  validator: ResourceValidator,
): Promise<void> {
  if (!fresh) {
    const current = await s.readForUpdate('Flag', flag.id as string);
    if (current?.json && (JSON.parse(current.json) as Flag).status === 'active') return;
  }
  await writeOwned(s, flag, owner, fresh, validator);
  if (communication) await writeOwned(s, communication, owner, fresh, validator);
}

/** Whether a stored resource was derived from `owner` (the reference Haven puts in each kind). */
function ownedBy(resource: Resource, owner: string): boolean {
  switch (resource.resourceType) {
    case 'Observation':
      return (resource as Observation).derivedFrom?.some((r) => r.reference === owner) ?? false;
    case 'Flag':
      return (resource as Flag).extension?.some((e) => e.url === EXTENSION.flagDetail && e.valueReference?.reference === owner) ?? false;
    case 'Communication':
      return (resource as Communication).about?.some((r) => r.reference === owner) ?? false;
    default:
      return false;
  }
}

function checkValid(resource: Resource, validator: ResourceValidator): void {
  const issues = validator.validate(resource);
  if (issues.length) {
    throw FhirError.of('internal-error', 500, 'exception', `Haven derived an invalid ${resource.resourceType}: ${issues.map((i) => i.diagnostics).join('; ')}`);
  }
}
