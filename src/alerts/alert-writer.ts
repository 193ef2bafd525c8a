// Raising an alert, once: one open Flag per patient and rule (CONTRACT "Clinical alerts";
// clinical-alerts.md §4.3). Under a transaction advisory lock on patient+rule, so two readings
// stored at once raise one Flag. While a Flag of the rule is active, a further finding adds its
// evidence and sends nothing, unless it is more severe: then the same Flag escalates and one new
// Communication goes out at the higher priority. After a care-team member resolves the Flag
// (status inactive), the next finding raises a new one.
import { randomUUID } from 'node:crypto';
import type { Flag, Resource } from '@medplum/fhirtypes';
import { FhirError } from '../errors.js';
import type { ResourceValidator } from '../fhir/validate.js';
import { activeCareTeamIds, type CareTeamLookup } from './care-teams.js';
import type { ResourceStore } from '../store/resources.js';
import type { SearchEngine } from '../store/search/engine.js';
import { alertCommunication, alertFlag, alertTask, severityOf, updatedFlag, type AlertSubject } from './alert-resources.js';
import { ALERT_RULE_SYSTEM, severityRank } from './codes.js';
import { searchPatient } from './patient-search.js';
import { noteRaised } from './raised.js';
import type { Finding } from './rules/types.js';

export type RaiseAction = 'raised' | 'escalated' | 'evidence' | 'unchanged';

export interface RaiseOutcome {
  action: RaiseAction;
  flag: string;
}

export interface AlertWriterOptions {
  validator: ResourceValidator;
  search: SearchEngine;
  careTeams?: CareTeamLookup;
}

export interface RaiseRequest extends AlertSubject {
  finding: Finding;
  /** The follow-up Task's code text, for rules whose follow-up is owned work (§4.1). */
  task?: string;
  now: string;
  /** Say what would be done, write nothing (haven alerts run --dry-run). */
  dryRun?: boolean;
}

export class AlertWriter {
  private readonly careTeams: CareTeamLookup;

  constructor(private readonly options: AlertWriterOptions) {
    this.careTeams = options.careTeams ?? activeCareTeamIds;
  }

  /** The active Flags of a rule for a patient (normally none or one). */
  async openFlags(s: ResourceStore, patientId: string, rule: string): Promise<Flag[]> {
    const found = await searchPatient(s, this.options.search, patientId, 'Flag', [
      ['status', 'active'],
      ['code', `${ALERT_RULE_SYSTEM}|${rule}`],
    ]);
    return found as Flag[];
  }

  async raise(s: ResourceStore, request: RaiseRequest): Promise<RaiseOutcome> {
    const { patientId, rule, finding } = request;
    await s.lockCondition(`haven:alert:${patientId}:${rule}`);
    const [open] = await this.openFlags(s, patientId, rule);
    if (!open) {
      const id = randomUUID();
      if (request.dryRun) return { action: 'raised', flag: `Flag/${id}` };
      await this.write(s, alertFlag(request, finding, id), id);
      await this.tell(s, request, id, false);
      noteRaised(s, `Flag/${id}`);
      return { action: 'raised', flag: `Flag/${id}` };
    }
    const id = open.id as string;
    const current = severityOf(open);
    const escalate = current !== undefined && severityRank(finding.severity) > severityRank(current);
    const next = updatedFlag(open, finding, escalate);
    const { meta: _meta, ...stored } = open;
    if (JSON.stringify(next.extension) === JSON.stringify(stored.extension) && !escalate) return { action: 'unchanged', flag: `Flag/${id}` };
    if (request.dryRun) return { action: escalate ? 'escalated' : 'evidence', flag: `Flag/${id}` };
    this.check(next);
    await s.update('Flag', id, next);
    if (escalate) {
      await this.tell(s, request, id, true);
      noteRaised(s, `Flag/${id}`);
    }
    return { action: escalate ? 'escalated' : 'evidence', flag: `Flag/${id}` };
  }

  /** The Communication to the patient's active care teams (none when there is no team), and the Task. */
  private async tell(s: ResourceStore, request: RaiseRequest, flagId: string, escalated: boolean): Promise<void> {
    const teams = await this.careTeams(s, request.patientId);
    if (teams.length) {
      const communication = alertCommunication(request, request.finding, flagId, teams, request.now, escalated);
      this.check(communication);
      await s.create(communication);
    }
    if (request.task && !escalated) {
      const task = alertTask(request, request.finding, flagId, teams[0], request.now, request.task);
      this.check(task);
      await s.create(task);
    }
  }

  private async write(s: ResourceStore, flag: Flag, id: string): Promise<void> {
    this.check(flag);
    await s.create(flag, 'POST', id);
  }

  private check(resource: Resource): void {
    const issues = this.options.validator.validate(resource);
    if (issues.length)
      throw FhirError.of(
        'internal-error',
        500,
        'exception',
        `Haven built an invalid ${resource.resourceType} alert: ${issues.map((i) => i.diagnostics).join('; ')}`,
      );
  }
}
