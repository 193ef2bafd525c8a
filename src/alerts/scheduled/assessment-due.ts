// assessment-due (clinical-alerts.md §2): a patient in active treatment (an active CarePlan, or a
// PHQ-9/GAD-7 total ≥10 in the last 6 months) with no PHQ-9 for 28 days: low, with a Task for the
// care team to ask for one.
import type { Observation } from '@medplum/fhirtypes';
import type { ScheduledRule } from './types.js';

const DAY_MS = 86_400_000;
const DUE_DAYS = 28;
const PHQ9_TOTAL = '44261-6';

function timeOf(o: Observation): number {
  return Date.parse(o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.issued ?? '');
}

function isCode(o: Observation, code: string): boolean {
  return (o.code.coding ?? []).some((c) => c.system === 'http://loinc.org' && c.code === code);
}

export const assessmentDue: ScheduledRule = {
  code: 'assessment-due',
  display: 'PHQ-9 reassessment due',
  definition:
    'In active treatment (an active CarePlan, or a PHQ-9/GAD-7 total ≥10 in the last 6 months) and no PHQ-9 for 28 days: low, with a Task. Source: measurement-based care (AIMS Center; at least monthly). Found by the scheduled job.',
  task: 'Ask the patient for a PHQ-9',
  evaluate(records, now) {
    const elevated = records.scores.filter((o) => (o.valueQuantity?.value ?? o.valueInteger ?? 0) >= 10);
    if (!records.activeCarePlan && !elevated.length) return undefined;
    const phq9 = records.scores.filter((o) => isCode(o, PHQ9_TOTAL) && !Number.isNaN(timeOf(o))).sort((a, b) => timeOf(b) - timeOf(a));
    const last = phq9[0];
    if (last && now.getTime() - timeOf(last) < DUE_DAYS * DAY_MS) return undefined;
    const since = last ? `the last on ${last.effectiveDateTime ?? new Date(timeOf(last)).toISOString()}` : 'none on record';
    return {
      severity: 'low',
      text: `${this.display}: no PHQ-9 for ${DUE_DAYS} days (${since})`,
      evidence: last ? [`Observation/${last.id}`] : [],
      at: now.toISOString(),
    };
  },
};
