// The after-write hooks a running Haven registers on its write interactions.
import type { Authorizer } from '../auth/authorize.js';
import { WriteHooks } from '../fhir/interactions/hooks.js';
import type { ResourceValidator } from '../fhir/validate.js';
import { searchMatcher } from '../subscriptions/matcher.js';
import { subscriptionGuardHook, subscriptionMatchHook } from '../subscriptions/write-hooks.js';
import { assessmentDerivationHook } from './assessment-derivation.js';

export function havenWriteHooks(validator: ResourceValidator, authorizer?: Authorizer): WriteHooks {
  const hooks = new WriteHooks().on('QuestionnaireResponse', assessmentDerivationHook({ validator }));
  // Subscriptions: every write is matched in its own transaction (src/subscriptions/).
  if (authorizer) hooks.on('Subscription', subscriptionGuardHook).onEvery(subscriptionMatchHook(authorizer, searchMatcher));
  return hooks;
}
