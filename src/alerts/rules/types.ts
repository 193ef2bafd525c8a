// The shape of an alert rule: data (its code, tiers, default limits) and a pure function from the
// readings it needs to a finding (raise, with severity and evidence) or nothing. No rule touches the
// store: the hook and the scheduled job gather the readings and the patient's limits, then ask.
import type { Severity, RuleCode } from '../codes.js';
import type { Measurement, Reading } from '../readings.js';

export type Op = '<' | '<=' | '>' | '>=';

export interface Condition {
  measurement: Measurement;
  op: Op;
  value: number;
}

/** One severity band: met when ANY of its conditions is (one BP component in band is enough). */
export interface Tier {
  severity: Severity;
  when: Condition[];
}

/** A patient's own limits per measurement, from the care team's Goals (thresholds.ts), in the rule's unit. */
export type PersonalLimits = Partial<Record<Measurement, { low?: number; high?: number }>>;

/** What a rule found: raise a Flag of this severity, saying this, pointing at these resources. */
export interface Finding {
  severity: Severity;
  text: string;
  /** References ("Observation/…") for the Flag's flag-detail extensions. */
  evidence: string[];
  /** When the evidence was measured (Flag.period.start). */
  at: string;
}

interface RuleInfo {
  code: RuleCode;
  display: string;
  /** The CodeSystem definition: what is measured, the default threshold, the source. */
  definition: string;
}

/** A rule on one reading against limits (the vital-sign rules). Tiers are most severe first. */
export interface ThresholdRule extends RuleInfo {
  kind: 'threshold';
  measurements: Measurement[];
  tiers: Tier[];
  /** The tiers for a patient with their own limits (default: personalTiers). */
  personal?(limits: PersonalLimits): Tier[];
}

/** Earlier readings of the same measurement, oldest first, with the new one last. */
export interface ChangeInput {
  current: Reading;
  earlier: Reading[];
  /** The patient's own allowed change (a Goal), in the rule's unit, when the care team set one. */
  allowed?: number;
}

/** A rule on the change from earlier readings (weight gain, worsening scores). */
export interface ChangeRule extends RuleInfo {
  kind: 'change';
  measurement: Measurement;
  /** How far back earlier readings are needed, in days. */
  lookbackDays: number;
  defaultAllowed: number;
  evaluate(input: ChangeInput): Finding | undefined;
}

export type WriteRule = ThresholdRule | ChangeRule;

/** A rule found by the scheduled job, on whole records rather than one reading (scheduled/). */
export interface ScheduledRuleInfo extends RuleInfo {
  kind: 'scheduled';
}
