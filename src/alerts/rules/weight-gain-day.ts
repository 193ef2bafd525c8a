// weight-gain-day: the first weight of the day ≥3.0 [lb_av] above the previous day's first weight,
// high (Healthwise 2-3 lb; Allina, Houston Methodist, BEAT-HF 3 lb). kg readings are converted.
// A care team's Goal (measure alert-rule|weight-gain-day, detailQuantity) replaces the 3.0 lb.
// clinical-alerts.md §1.2, §1.4.
import { addDays } from './days.js';
import { weightGainRule } from './weight-gain.js';

export const weightGainDay = weightGainRule({
  code: 'weight-gain-day',
  display: 'Weight gain in a day',
  definition:
    "First body weight (LOINC 29463-7) of the day ≥3.0 [lb_av] above the previous day's first weight: high. kg readings are converted (×2.20462). Sources: Healthwise (2-3 lb a day), Allina, Houston Methodist, BEAT-HF (3 lb).",
  lookbackDays: 2,
  defaultAllowed: 3.0,
  baseline(day, firsts) {
    const previous = firsts.get(addDays(day, -1));
    return previous && { reading: previous, label: "the previous day's" };
  },
});
