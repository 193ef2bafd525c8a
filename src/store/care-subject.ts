// Who a care relationship is about. A CareTeam opens its patient's record to its participants, a
// Consent opens it to its actors (src/store/access.ts): so the patient they are about must be read
// exactly as the patient compartments read references (the search index's parsed form), never from
// the reference text. Issue 20: `Patient/<A>/../../Patient/<B>` or `http://other.example/Patient/<B>`
// lie outside every compartment, so the write check passed them, while a text match on the end of
// the reference took them for B and opened B's record.
import type { Resource } from '@medplum/fhirtypes';
import { paramKey } from './search/registry.js';

/** The element that names the patient of each resource type that grants access to a record. */
const SUBJECT_ELEMENT: Readonly<Record<string, { element: 'subject' | 'patient'; param: string }>> = {
  CareTeam: { element: 'subject', param: 'CareTeam.subject' },
  Consent: { element: 'patient', param: 'Consent.patient' },
};

/**
 * The search-index key of the reference parameter that names the patient a granting type is about
 * (`search_reference.param`): access SQL reads the parsed `ref` of that row, with `target_type =
 * 'Patient'`, and only when it is also one of the resource's own compartments.
 */
export function careSubjectParamKey(resourceType: 'CareTeam' | 'Consent'): number {
  return paramKey(SUBJECT_ELEMENT[resourceType].param);
}

/** Whether resources of this type decide who may see a patient's record. */
export function grantsAccess(resourceType: string): boolean {
  return Object.hasOwn(SUBJECT_ELEMENT, resourceType);
}

/**
 * Why a confined token (patient/ or user/, anything short of `all`) may not write this CareTeam or
 * Consent, or undefined when it may: it must name its patient as a reference to a local Patient
 * (`localPatient` is the index's parse) that is one of its compartments, so the compartment check
 * of the write (each compartment within reach) covers the patient it opens. Anything else (another
 * server's URL, a contained `#x`, dot segments, a Group, no subject) is refused rather than stored
 * as a relationship that grants nothing to whoever wrote it.
 */
export function careSubjectRefusal(
  resource: Resource,
  compartments: readonly string[],
  localPatient: (reference: string) => string | undefined,
): string | undefined {
  const spec = SUBJECT_ELEMENT[resource.resourceType];
  if (!spec) return undefined;
  const value = (resource as unknown as Record<string, unknown>)[spec.element] as { reference?: unknown } | undefined;
  const text = typeof value?.reference === 'string' ? value.reference : undefined;
  const what = `${resource.resourceType}.${spec.element}`;
  if (text === undefined) {
    return `A ${resource.resourceType} written with this token must name its patient in ${what}.reference as Patient/<id>`;
  }
  const patient = localPatient(text);
  if (!patient || !compartments.includes(patient)) {
    return `${what}.reference "${text.slice(0, 200)}" is not a reference to a Patient of this server (Patient/<id>): a ${resource.resourceType} written with this token must name the patient it is about that way`;
  }
  return undefined;
}
