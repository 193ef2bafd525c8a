// gad7-worsening: a GAD-7 total (LOINC 70274-6) ≥4 above the previous one within 90 days; medium,
// high if the new total is ≥15, severe (Toussaint 2020: MCID 4 points). clinical-alerts.md §2.
import { worsening } from './score-worsening.js';
import type { ChangeRule } from './types.js';

export const gad7Worsening: ChangeRule = {
  kind: 'change',
  code: 'gad7-worsening',
  display: 'GAD-7 worsening',
  definition:
    'GAD-7 total (LOINC 70274-6) ≥4 points above the previous GAD-7 within 90 days: medium; high if the new total is ≥15 (severe). Source: Toussaint, J Affect Disord 2020;265:395 (MCID 4 points).',
  measurement: 'gad7',
  lookbackDays: 90,
  defaultAllowed: 4,
  evaluate(input) {
    return worsening(input, { instrument: 'GAD-7', display: this.display, allowed: this.defaultAllowed, severeAt: 15, withinDays: this.lookbackDays });
  },
};
