// The after-write hooks a running Haven registers on its write interactions.
import { WriteHooks } from '../fhir/interactions/hooks.js';
import type { ResourceValidator } from '../fhir/validate.js';
import { assessmentDerivationHook } from './assessment-derivation.js';

export function havenWriteHooks(validator: ResourceValidator): WriteHooks {
  return new WriteHooks().on('QuestionnaireResponse', assessmentDerivationHook({ validator }));
}
