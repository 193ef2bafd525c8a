// The after-write hooks a running Haven registers on its write interactions.
import { alertHooks } from '../alerts/hooks.js';
import type { Authorizer } from '../auth/authorize.js';
import { WriteHooks } from '../fhir/interactions/hooks.js';
import type { ResourceValidator } from '../fhir/validate.js';
import { DEFAULT_SEARCH_BOUNDS } from '../store/search/bounds.js';
import type { SearchEngine } from '../store/search/engine.js';
import { searchMatcher } from '../subscriptions/matcher.js';
import { subscriptionGuardHook, subscriptionMatchHook } from '../subscriptions/write-hooks.js';
import { assessmentDerivationHook } from './assessment-derivation.js';

/** What the optional hooks need from the running services; without them only scoring runs (e.g. `haven import --dry-run`). */
export interface HookServices {
  authorizer?: Authorizer;
  search?: SearchEngine;
}

export function havenWriteHooks(validator: ResourceValidator, services: HookServices = {}): WriteHooks {
  const hooks = new WriteHooks().on('QuestionnaireResponse', assessmentDerivationHook({ validator }));
  if (services.search) {
    // Clinical alerts (src/alerts/): after the scores are derived, on the totals they derived.
    const alerts = alertHooks({ validator, search: services.search });
    hooks.on('QuestionnaireResponse', alerts.response).on('Observation', alerts.observation).on('Goal', alerts.goal).on('Flag', alerts.flag);
  }
  // Subscriptions: every write is matched in its own transaction (src/subscriptions/), alert Flags included.
  if (services.authorizer) {
    const matcher = searchMatcher((services.search?.context.bounds ?? DEFAULT_SEARCH_BOUNDS).maxValues);
    hooks.on('Subscription', subscriptionGuardHook).onEvery(subscriptionMatchHook(services.authorizer, matcher));
  }
  return hooks;
}
