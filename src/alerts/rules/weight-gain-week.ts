// weight-gain-week: the first weight of the day ≥5.0 [lb_av] above the first weight 7 days earlier
// (if none, the oldest in the window), high (5 lb a week nearly everywhere). kg readings are
// converted. A care team's Goal (measure alert-rule|weight-gain-week, detailQuantity) replaces the
// 5.0 lb. clinical-alerts.md §1.2, §1.4.
import { addDays, dayOf } from './days.js';
import { weightGainRule } from './weight-gain.js';

export const weightGainWeek = weightGainRule({
  code: 'weight-gain-week',
  display: 'Weight gain in a week',
  definition:
    'First body weight (LOINC 29463-7) of the day ≥5.0 [lb_av] above the first weight 7 days earlier (if none, the oldest in the 7 days): high. kg readings are converted. Source: 5 lb a week (Healthwise, StayWell and most US heart-failure programmes).',
  lookbackDays: 8,
  defaultAllowed: 5.0,
  baseline(day, firsts) {
    const weekAgo = addDays(day, -7);
    const oldestInWindow = () => [...firsts.entries()].filter(([d]) => d >= weekAgo && d < day).sort(([a], [b]) => a.localeCompare(b))[0]?.[1];
    const base = firsts.get(weekAgo) ?? oldestInWindow();
    return base && { reading: base, label: `the weight on ${dayOf(base)},` };
  },
});
