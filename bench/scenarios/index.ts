// Every scenario, in the order the report lists them. The search scenarios share one growing data
// set, so they run smallest first.
import { auditCostCreate, auditCostRead } from './audit-cost.js';
import { create, history, read, transaction10, transaction100 } from './basic.js';
import { recordsAssessment, recordsVitals } from './records.js';
import type { Scale, Scenario } from './scenario.js';
import { search, search10k, search1m, searchInclude } from './search.js';

export const scenarios: Scenario[] = [
  create,
  read,
  transaction10,
  transaction100,
  history,
  recordsVitals,
  recordsAssessment,
  auditCostCreate,
  auditCostRead,
  search10k,
  search,
  searchInclude,
  search1m,
];

/** The scenarios a run without --scenario runs at this scale. */
export function defaultScenarios(scale: Scale): Scenario[] {
  return scenarios.filter((s) => scale === 'full' || !s.onlyAtFullScale);
}
