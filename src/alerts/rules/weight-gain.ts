// The shared body of the two weight-gain rules (clinical-alerts.md §1.2, §1.4): only the first
// weight of a day counts; it is compared with a baseline weight the rule picks from the first
// weights of earlier days, and a gain of at least the allowed pounds (the care team's Goal, else the
// rule's default) raises a high finding. The rules differ in their window, default and baseline.
import type { Reading } from '../readings.js';
import { dayOf, firstOfEachDay, isFirstOfDay } from './days.js';
import { format } from './tiers.js';
import type { ChangeRule, Finding } from './types.js';

export interface WeightGainOptions {
  code: 'weight-gain-day' | 'weight-gain-week';
  display: string;
  definition: string;
  lookbackDays: number;
  /** The default allowed gain in [lb_av]. */
  defaultAllowed: number;
  /**
   * The weight to compare with, from the first weight of each earlier day (by day, YYYY-MM-DD), and
   * how the finding's text names it; undefined when there is none.
   */
  baseline(day: string, firsts: Map<string, Reading>): { reading: Reading; label: string } | undefined;
}

export function weightGainRule(options: WeightGainOptions): ChangeRule {
  const { baseline, ...info } = options;
  return {
    kind: 'change',
    measurement: 'weight',
    ...info,
    evaluate({ current, earlier, allowed }) {
      if (!isFirstOfDay(current, earlier)) return undefined;
      const base = baseline(dayOf(current), firstOfEachDay(earlier));
      if (!base) return undefined;
      return weightGain(options.display, current, base.reading, allowed ?? options.defaultAllowed, base.label);
    },
  };
}

/** A gain of at least `limit` from `base` to `current` as a finding of a weight rule (high), or undefined. */
function weightGain(display: string, current: Reading, base: Reading, limit: number, baseLabel: string): Finding | undefined {
  const gain = current.value - base.value;
  if (Math.round(gain * 1000) / 1000 < limit) return undefined;
  return {
    severity: 'high',
    text: `${display}: ${format(current.value)} lb, ${format(gain)} lb above ${baseLabel} ${format(base.value)} lb (≥ ${format(limit)} lb)`,
    evidence: [base.reference, current.reference],
    at: current.at,
  };
}
