// missed-dose (clinical-alerts.md §3): anticoagulants (ATC B01AA, B01AE, B01AF) and P2Y12
// inhibitors (B01AC): any missed dose, high; beta-blockers (C07): 2 consecutive misses medium, 48 h
// or more with no dose taken high. Looked at over the last 48 h of logs. The drug class is read from
// an ATC coding (http://www.whocc.no/atc) on the MedicationRequest; an RxNorm-only medication is
// not classed (no RxNorm -> ATC list is in the reference yet), so it raises nothing here.
import type { MedicationRequest } from '@medplum/fhirtypes';
import { severityRank, type Severity } from '../codes.js';
import { dosesOf, isScheduled, nameOf } from './doses.js';
import type { ScheduledRule } from './types.js';

const ATC = 'http://www.whocc.no/atc';
const ANY_MISS = ['B01AA', 'B01AE', 'B01AF', 'B01AC'];
const BETA_BLOCKER = 'C07';
const WINDOW_MS = 48 * 3600 * 1000;

function atcCodes(request: MedicationRequest): string[] {
  return (request.medicationCodeableConcept?.coding ?? []).filter((c) => c.system === ATC && c.code).map((c) => c.code as string);
}

export const missedDose: ScheduledRule = {
  code: 'missed-dose',
  display: 'Missed dose of a high-risk medication',
  definition:
    'Anticoagulants (ATC B01AA, B01AE, B01AF) and P2Y12 inhibitors (B01AC): any missed dose, high. Beta-blockers (C07): 2 consecutive missed doses, medium; 48 h or more with no dose taken, high. Found by the scheduled job from the dose log (MedicationAdministration). Haven default (no published standard).',
  evaluate(records, now) {
    const hits: Array<{ severity: Severity; text: string; evidence: string[] }> = [];
    for (const request of records.medications.filter(isScheduled)) {
      const codes = atcCodes(request);
      const doses = dosesOf(request, records.administrations).filter((d) => d.at <= now.getTime());
      const recent = doses.filter((d) => d.at > now.getTime() - WINDOW_MS);
      if (codes.some((c) => ANY_MISS.some((p) => c.startsWith(p)))) {
        const missed = recent.filter((d) => d.state === 'missed');
        if (missed.length)
          hits.push({
            severity: 'high',
            text: `${nameOf(request)}: ${missed.length} missed dose(s) in 48 h`,
            evidence: [`MedicationRequest/${request.id}`, ...missed.map((d) => d.reference)],
          });
      } else if (codes.some((c) => c.startsWith(BETA_BLOCKER))) {
        const started = Date.parse(request.authoredOn ?? '') || Date.parse(request.dosageInstruction?.[0]?.timing?.repeat?.boundsPeriod?.start ?? '');
        const lastTaken = [...doses].reverse().find((d) => d.state === 'taken');
        const since = lastTaken?.at ?? started;
        const logged = doses.filter((d) => d.state !== 'skipped');
        const lastTwo = logged.slice(-2);
        if (Number.isFinite(since) && now.getTime() - since >= WINDOW_MS) {
          hits.push({ severity: 'high', text: `${nameOf(request)}: no dose taken for 48 h or more`, evidence: [`MedicationRequest/${request.id}`] });
        } else if (lastTwo.length === 2 && lastTwo.every((d) => d.state === 'missed')) {
          hits.push({
            severity: 'medium',
            text: `${nameOf(request)}: 2 consecutive missed doses`,
            evidence: [`MedicationRequest/${request.id}`, ...lastTwo.map((d) => d.reference)],
          });
        }
      }
    }
    if (!hits.length) return undefined;
    const severity = hits.reduce<Severity>((s, h) => (severityRank(h.severity) > severityRank(s) ? h.severity : s), 'low');
    return {
      severity,
      text: `${this.display}: ${hits.map((h) => h.text).join('; ')}`,
      evidence: [...new Set(hits.flatMap((h) => h.evidence))],
      at: now.toISOString(),
    };
  },
};
