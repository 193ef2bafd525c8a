// The after-write hooks a running Haven registers on its write interactions.
import { alertHooks } from '../alerts/hooks.js';
import { WriteHooks } from '../fhir/interactions/hooks.js';
import type { ResourceValidator } from '../fhir/validate.js';
import type { SearchEngine } from '../store/search/engine.js';
import { assessmentDerivationHook } from './assessment-derivation.js';

export function havenWriteHooks(validator: ResourceValidator, search?: SearchEngine): WriteHooks {
  const hooks = new WriteHooks().on('QuestionnaireResponse', assessmentDerivationHook({ validator }));
  if (!search) return hooks;
  // Clinical alerts (src/alerts/): after the scores are derived, on the totals they derived.
  const alerts = alertHooks({ validator, search });
  return hooks.on('QuestionnaireResponse', alerts.response).on('Observation', alerts.observation).on('Goal', alerts.goal).on('Flag', alerts.flag);
}
