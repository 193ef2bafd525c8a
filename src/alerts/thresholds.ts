// A patient's own alert limits, set by the care team as clinical-alerts.md §1.4 says: an active
// Goal (lifecycleStatus active or accepted) expressed by a Practitioner or PractitionerRole, whose
// target.measure is the vital's LOINC code with target.detailRange (low/high, any convertible UCUM
// unit), or the alert-rule code of a change rule with target.detailQuantity (the allowed change).
// The newest Goal wins. A Goal the patient wrote never counts (and goal-guard.ts refuses a patient
// writing one that claims a clinician).
import type { Goal } from '@medplum/fhirtypes';
import { isReferenceTo } from '../grammar/reference.js';
import { ALERT_RULE_SYSTEM, type RuleCode } from './codes.js';
import { measurementOfCode, quantityIn, type Measurement } from './readings.js';
import type { PersonalLimits } from './rules/types.js';

export interface PatientLimits {
  limits: PersonalLimits;
  /** Allowed change per change rule, in the rule's unit. */
  allowed: Partial<Record<RuleCode, number>>;
}

const COUNTING = new Set(['active', 'accepted']);
const CLINICIAN = ['Practitioner', 'PractitionerRole'];
/** The unit a change rule's allowed change is read in. */
const CHANGE_MEASUREMENT: Partial<Record<RuleCode, Measurement>> = {
  'weight-gain-day': 'weight',
  'weight-gain-week': 'weight',
  'phq9-worsening': 'phq9',
  'gad7-worsening': 'gad7',
};

/** Whether a Goal is one the alert rules take limits from. */
export function isCareTeamGoal(goal: Goal): boolean {
  return COUNTING.has(goal.lifecycleStatus) && isReferenceTo(goal.expressedBy?.reference, CLINICIAN);
}

/** Whether a Goal sets an alert limit (it names a measurement or rule the alerts read). */
export function setsAlertLimit(goal: Goal): boolean {
  return (goal.target ?? []).some((t) =>
    (t.measure?.coding ?? []).some((c) => (c.system === 'http://loinc.org' && c.code && measurementOfCode(c.code)) || c.system === ALERT_RULE_SYSTEM),
  );
}

/** The limits of a patient's Goals, newest first. */
export function patientLimits(goalsNewestFirst: Goal[]): PatientLimits {
  const result: PatientLimits = { limits: {}, allowed: {} };
  for (const goal of goalsNewestFirst.filter(isCareTeamGoal)) {
    for (const target of goal.target ?? []) {
      for (const c of target.measure?.coding ?? []) {
        if (c.system === 'http://loinc.org' && c.code) {
          const measurement = measurementOfCode(c.code);
          if (!measurement || result.limits[measurement] || !target.detailRange) continue;
          const low = quantityIn(measurement, target.detailRange.low);
          const high = quantityIn(measurement, target.detailRange.high);
          if (low !== undefined || high !== undefined)
            result.limits[measurement] = { ...(low !== undefined ? { low } : {}), ...(high !== undefined ? { high } : {}) };
        } else if (c.system === ALERT_RULE_SYSTEM && c.code) {
          const rule = c.code as RuleCode;
          const measurement = CHANGE_MEASUREMENT[rule];
          if (!measurement || result.allowed[rule] !== undefined) continue;
          const allowed = quantityIn(measurement, target.detailQuantity);
          if (allowed !== undefined) result.allowed[rule] = allowed;
        }
      }
    }
  }
  return result;
}
