// phq9-worsening: a PHQ-9 total (LOINC 44261-6) ≥5 above the previous one within 90 days; medium,
// high if the new total is ≥20 (Löwe 2004: individual MCID 5 points). clinical-alerts.md §2.
import { worsening } from './score-worsening.js';
import type { ChangeRule } from './types.js';

export const phq9Worsening: ChangeRule = {
  kind: 'change',
  code: 'phq9-worsening',
  display: 'PHQ-9 worsening',
  definition:
    'PHQ-9 total (LOINC 44261-6) ≥5 points above the previous PHQ-9 within 90 days: medium; high if the new total is ≥20. Source: Löwe, Med Care 2004;42:1194 (individual MCID 5 points).',
  measurement: 'phq9',
  lookbackDays: 90,
  defaultAllowed: 5,
  evaluate(input) {
    return worsening(input, { instrument: 'PHQ-9', display: this.display, allowed: this.defaultAllowed, severeAt: 20, withinDays: this.lookbackDays });
  },
};
