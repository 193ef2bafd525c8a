// The follow-up Task of a positive PHQ-9 item 9 (clinical-alerts.md §4.1: "add a Task": intent
// order, priority stat, focus the Flag, for the patient, owner the CareTeam, due the same day), so
// the care team's work list shows who is calling the patient. The Flag and its Communication stay
// the assessment hook's (src/hooks/assessment-derivation.ts); this adds the Task once per raising
// (a Flag raised again after it was closed gets a new one).
import type { Flag, Task } from '@medplum/fhirtypes';
import { FhirError } from '../errors.js';
import type { ResourceValidator } from '../fhir/validate.js';
import type { CareTeamLookup } from './care-teams.js';
import { flagIdOf } from '../mappers/assessment-derivation.js';
import type { ResourceStore } from '../store/resources.js';
import type { SearchEngine } from '../store/search/engine.js';
import { alertTask } from './alert-resources.js';
import { searchPatient } from './patient-search.js';

export async function ensureItem9Task(
  s: ResourceStore,
  options: { search: SearchEngine; validator: ResourceValidator; careTeams: CareTeamLookup },
  responseId: string,
  patientId: string,
  now: Date,
): Promise<void> {
  const stored = await s.read('Flag', flagIdOf(responseId));
  const flag = stored?.json ? (JSON.parse(stored.json) as Flag) : undefined;
  if (!flag || flag.status !== 'active') return;
  const raisedAt = flag.period?.start ?? '';
  const tasks = (await searchPatient(s, options.search, patientId, 'Task', [['focus', `Flag/${flag.id}`]])) as Task[];
  if (tasks.some((t) => (t.authoredOn ?? '') >= raisedAt)) return;
  const [team] = await options.careTeams(s, patientId);
  const task = alertTask(
    { patientId },
    { severity: 'critical', text: `${flag.code.text ?? 'Positive PHQ-9 item 9'}: contact the patient today and assess suicide risk` },
    flag.id as string,
    team,
    now.toISOString(),
    'Suicide-risk follow-up: contact the patient today',
  );
  const issues = options.validator.validate(task);
  if (issues.length) throw FhirError.of('internal-error', 500, 'exception', `Haven built an invalid Task: ${issues.map((i) => i.diagnostics).join('; ')}`);
  await s.create(task);
}
