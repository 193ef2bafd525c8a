// The scheduled alert job: every patient, every scheduled rule, each patient in a transaction of its
// own, through the same AlertWriter as the write-time rules (one open Flag per patient and rule, so
// a repeated run raises nothing new). Under a session advisory lock, so with several Haven
// instances on one database a run happens once; the time comes from the caller (an injectable
// clock), so the rules are tested without waiting.
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceValidator } from '../../fhir/validate.js';
import type { CareTeamLookup } from '../care-teams.js';
import { ALL_ACCESS, type StoreContext } from '../../store/context.js';
import type { Database } from '../../store/db.js';
import { withExclusiveJob } from '../../store/locks.js';
import type { SearchEngine } from '../../store/search/engine.js';
import type { SearchCursor } from '../../store/search/request.js';
import type { Store } from '../../store/store.js';
import { AlertWriter, type RaiseAction } from '../alert-writer.js';
import { forPatient } from '../hooks.js';
import { SCHEDULED_RULES } from './index.js';
import { patientRecords } from './records.js';

export const SCHEDULED_ALERTS_JOB = 'haven:alerts-scheduled';

/** Who acts, for the audit trail: Haven's scheduled job. */
const JOB_ACTOR: StoreContext = { actor: { requestId: 'haven-alerts-job', clientId: 'haven' }, access: ALL_ACCESS };

export interface ScheduledAlertServices {
  db: Database;
  store: Store;
  search: SearchEngine;
  validator: ResourceValidator;
  careTeams?: CareTeamLookup;
}

export interface ScheduledRunOptions {
  now: Date;
  /** Only this rule (haven alerts run --rule R). */
  rule?: string;
  /** Evaluate and report, write nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface ScheduledAlert {
  patientId: string;
  rule: string;
  severity: string;
  text: string;
  action: RaiseAction;
  flag: string;
}

export interface ScheduledRunReport {
  /** True when another instance held the job's lock: nothing was done here. */
  skipped: boolean;
  patients: number;
  alerts: ScheduledAlert[];
}

export function scheduledRuleCodes(): string[] {
  return SCHEDULED_RULES.map((r) => r.code);
}

export async function runScheduledAlerts(services: ScheduledAlertServices, options: ScheduledRunOptions): Promise<ScheduledRunReport> {
  const rules = SCHEDULED_RULES.filter((r) => !options.rule || r.code === options.rule);
  if (!rules.length) throw new Error(`Unknown scheduled alert rule "${options.rule}"; one of ${scheduledRuleCodes().join(', ')}`);
  const writer = new AlertWriter(services);
  const result = await withExclusiveJob(services.db, SCHEDULED_ALERTS_JOB, async () => {
    const alerts: ScheduledAlert[] = [];
    let patients = 0;
    for await (const patientId of patientIds(services)) {
      if (options.signal?.aborted) break;
      patients++;
      await services.store.transaction(JOB_ACTOR, async (tx) => {
        const s = forPatient(tx, patientId);
        const records = await patientRecords(s, services.search, patientId, options.now);
        for (const rule of rules) {
          const finding = rule.evaluate(records, options.now);
          if (!finding) continue;
          const outcome = await writer.raise(s, {
            patientId,
            rule: rule.code,
            display: rule.display,
            finding,
            now: options.now.toISOString(),
            ...(rule.task ? { task: rule.task } : {}),
            ...(options.dryRun ? { dryRun: true } : {}),
          });
          alerts.push({ patientId, rule: rule.code, severity: finding.severity, text: finding.text, ...outcome });
        }
      });
    }
    return { patients, alerts };
  });
  return result === undefined ? { skipped: true, patients: 0, alerts: [] } : { skipped: false, ...result };
}

/** Every patient's id, a page at a time. */
async function* patientIds(services: ScheduledAlertServices): AsyncGenerator<string> {
  const parsed = services.search.parse(['Patient'], [['_count', '200']]);
  let cursor: SearchCursor | undefined;
  do {
    const page = await services.store.reader(JOB_ACTOR).searchPage({ ...parsed.request, ...(cursor ? { cursor } : {}) }, 'Patient?_count=200');
    for (const match of page.matches) yield (JSON.parse(match.json) as Resource).id as string;
    cursor = page.next;
  } while (cursor);
}
