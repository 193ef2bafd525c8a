// Who may act as the care team on alerts (set thresholds, resolve a Flag): a clinician (fhirUser a
// Practitioner or PractitionerRole) or a backend service (no patient context, no patient user).
// A patient's or a relative's token never does.
import type { Actor } from '../store/context.js';

export function actsForCareTeam(actor: Actor): boolean {
  if (/^(Practitioner|PractitionerRole)\//.test(actor.fhirUser ?? '')) return true;
  if (actor.patient || /^(Patient|RelatedPerson)\//.test(actor.fhirUser ?? '')) return false;
  return true;
}
