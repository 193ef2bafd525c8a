// The after-write hooks of clinical alerts (registered in src/hooks/index.ts), each in the write's
// transaction:
// - Observation: the write-time rules on the stored reading.
// - QuestionnaireResponse: the trajectory rules on the total the assessment hook just derived
//   (so it must be registered after it).
// - Goal: a patient-side token may not write or remove a Goal that sets an alert limit in a
//   clinician's name (a patient cannot change their thresholds).
// - QuestionnaireResponse, PHQ-9 item 9 above 0: the follow-up Task of the suicide-risk Flag.
// - Flag: only the care team changes an alert Flag (the suicide-risk one too); resolving one (status inactive) closes its
//   Tasks and stamps period.end, so the next qualifying reading raises a new Flag.
import type { Flag, Goal, Observation, QuestionnaireResponse, Task } from '@medplum/fhirtypes';
import { FhirError } from '../errors.js';
import type { SharedLookups } from '../fhir/interactions/hook-batch.js';
import type { AfterWriteHook } from '../fhir/interactions/hooks.js';
import type { ResourceValidator } from '../fhir/validate.js';
import { activeCareTeamIds, type CareTeamLookup } from './care-teams.js';
import { derivedObservationIds } from '../mappers/assessment-derivation.js';
import { referencedId } from '../mappers/fhir.js';
import { SUICIDE_RISK, SYSTEM } from '../mappers/codes.js';
import { readResponse } from '../mappers/questionnaire-response.js';
import type { ResourceStore } from '../store/resources.js';
import type { SearchEngine } from '../store/search/engine.js';
import { actsForCareTeam } from './actors.js';
import { ruleOf } from './alert-resources.js';
import { AlertWriter } from './alert-writer.js';
import { evaluateObservation } from './evaluate.js';
import { ensureItem9Task } from './item9-task.js';
import { searchPatient } from './patient-search.js';
import { isCareTeamGoal, setsAlertLimit } from './thresholds.js';

export interface AlertHookOptions {
  validator: ResourceValidator;
  search: SearchEngine;
  careTeams?: CareTeamLookup;
  clock?: () => Date;
}

export interface AlertHooks {
  observation: AfterWriteHook;
  response: AfterWriteHook;
  goal: AfterWriteHook;
  flag: AfterWriteHook;
}

/** Haven acting for the patient's care team: within that one patient's compartment, whoever wrote. */
export function forPatient(s: ResourceStore, patientId: string): ResourceStore {
  return s.as({ kind: 'compartments', compartments: [`Patient/${patientId}`] });
}

/** A Flag Haven raised as a clinical alert: an alert-rule code, or the PHQ-9 item 9 suicide-risk Flag. */
function isAlertFlag(flag: Flag): boolean {
  return ruleOf(flag) !== undefined || (flag.code?.coding ?? []).some((c) => c.system === SYSTEM.snomed && c.code === SUICIDE_RISK.code);
}

export function alertHooks(options: AlertHookOptions): AlertHooks {
  const clock = options.clock ?? (() => new Date());
  const careTeams = options.careTeams ?? activeCareTeamIds;
  const writer = new AlertWriter(options);
  const context = (s: ResourceStore, patientId: string, shared: SharedLookups, extraEvidence?: string[]) => ({
    s: forPatient(s, patientId),
    search: options.search,
    writer,
    patientId,
    now: clock(),
    shared,
    ...(extraEvidence ? { extraEvidence } : {}),
  });

  return {
    async observation(s, written, batch) {
      const observation = written.resource as Observation | undefined;
      const patientId = referencedId(observation?.subject, 'Patient');
      if (!observation || !patientId) return;
      await evaluateObservation(context(s, patientId, batch), observation);
    },

    async response(s, written, batch) {
      const response = written.resource as QuestionnaireResponse | undefined;
      const reading = response ? readResponse(response) : undefined;
      const patientId = referencedId(response?.subject, 'Patient');
      if (!response?.id || !reading || !patientId) return;
      const scoped = forPatient(s, patientId);
      if (reading.instrument.type === 'PHQ-9') await ensureItem9Task(scoped, { ...options, careTeams }, response.id, patientId, clock());
      const totalId = derivedObservationIds(response.id, reading.instrument).at(-1) as string;
      const total = await scoped.read('Observation', totalId);
      if (!total?.json) return;
      await evaluateObservation(context(s, patientId, batch, [`QuestionnaireResponse/${response.id}`]), JSON.parse(total.json) as Observation);
    },

    async goal(s, written) {
      if (actsForCareTeam(s.ctx.actor)) return;
      const before = written.version.versionId > 1 ? await s.vread('Goal', written.version.id, written.version.versionId - 1) : undefined;
      const versions = [written.resource, before?.json ? JSON.parse(before.json) : undefined].filter((g): g is Goal => !!g);
      if (versions.some((g) => setsAlertLimit(g) && (isCareTeamGoal(g) || /^(Practitioner|PractitionerRole)\//.test(g.expressedBy?.reference ?? '')))) {
        throw FhirError.of(
          'care-team-only',
          403,
          'forbidden',
          "Only the care team sets a patient's alert limits: a Goal with an alert limit expressed by a clinician cannot be written here",
        );
      }
    },

    async flag(s, written) {
      const before = written.version.versionId > 1 ? await s.vread('Flag', written.version.id, written.version.versionId - 1) : undefined;
      const previous = before?.json ? (JSON.parse(before.json) as Flag) : undefined;
      const flag = written.resource as Flag | undefined;
      if (![flag, previous].some((f) => f && isAlertFlag(f))) return;
      if (!actsForCareTeam(s.ctx.actor)) throw FhirError.of('care-team-only', 403, 'forbidden', 'Only the care team changes or resolves a clinical alert Flag');
      if (!flag || flag.status === 'active' || previous?.status !== 'active') return;
      const patientId = referencedId(flag.subject, 'Patient');
      if (!patientId) return;
      const scoped = forPatient(s, patientId);
      const now = clock().toISOString();
      if (!flag.period?.end) {
        const { meta: _meta, ...rest } = flag;
        await scoped.update('Flag', flag.id as string, { ...rest, period: { ...flag.period, end: now } });
      }
      const tasks = (await searchPatient(scoped, options.search, patientId, 'Task', [['focus', `Flag/${flag.id}`]])) as Task[];
      for (const task of tasks) {
        if (['completed', 'cancelled', 'failed', 'rejected', 'entered-in-error'].includes(task.status)) continue;
        const { meta: _meta, ...rest } = task;
        const closed: Task = { ...rest, status: flag.status === 'entered-in-error' ? 'cancelled' : 'completed', lastModified: now };
        await scoped.update('Task', task.id as string, closed);
      }
    },
  };
}
