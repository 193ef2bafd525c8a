// weight-gain-week: the first weight of the day ≥5.0 [lb_av] above the first weight 7 days earlier
// (if none, the oldest in the window), high (5 lb a week nearly everywhere). kg readings are
// converted. A care team's Goal (measure alert-rule|weight-gain-week, detailQuantity) replaces the
// 5.0 lb. clinical-alerts.md §1.2, §1.4.
import { addDays, dayOf, firstOfEachDay, isFirstOfDay, weightGain } from './days.js';
import type { ChangeRule } from './types.js';

export const weightGainWeek: ChangeRule = {
  kind: 'change',
  code: 'weight-gain-week',
  display: 'Weight gain in a week',
  definition: 'First body weight (LOINC 29463-7) of the day ≥5.0 [lb_av] above the first weight 7 days earlier (if none, the oldest in the 7 days): high. kg readings are converted. Source: 5 lb a week (Healthwise, StayWell and most US heart-failure programmes).',
  measurement: 'weight',
  lookbackDays: 8,
  defaultAllowed: 5.0,
  evaluate({ current, earlier, allowed }) {
    const limit = allowed ?? this.defaultAllowed;
    if (!isFirstOfDay(current, earlier)) return undefined;
    const day = dayOf(current);
    const firsts = firstOfEachDay(earlier);
    let base = firsts.get(addDays(day, -7));
    if (!base) {
      const window = [...firsts.entries()].filter(([d]) => d >= addDays(day, -7) && d < day).sort(([a], [b]) => a.localeCompare(b));
      base = window[0]?.[1];
    }
    if (!base) return undefined;
    return weightGain(this.display, current, base, limit, `the weight on ${dayOf(base)},`);
  },
};
