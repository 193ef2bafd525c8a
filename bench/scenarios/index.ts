// Every scenario, in the order the report lists them. The search scenarios share one growing data
// set, so they run smallest first.
import { create, history, read, transaction10, transaction100 } from './basic.js';
import { recordsAssessment, recordsVitals } from './records.js';
import type { Scale, Scenario } from './scenario.js';
import { search, search10k, search1m, searchInclude } from './search.js';

export const scenarios: Scenario[] = [create, read, transaction10, transaction100, history, search10k, search, searchInclude, search1m];

/**
 * Scenarios that run only when named with --scenario: the app-records API (/api/v1) is built on
 * another branch; they join the default list once it is merged.
 */
export const namedOnlyScenarios: Scenario[] = [recordsVitals, recordsAssessment];

/** The scenarios a run without --scenario runs at this scale. */
export function defaultScenarios(scale: Scale): Scenario[] {
  return scenarios.filter((s) => scale === 'full' || !s.onlyAtFullScale);
}
