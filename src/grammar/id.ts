// The FHIR id (R4 datatypes: id): 1 to 64 letters, digits, '-' and '.'. Logical ids of resources,
// and the id part of every literal reference, are checked against this one pattern. Job ids,
// request ids, usernames and the like are not FHIR ids and keep patterns of their own.

/** The id pattern without anchors, for composing larger patterns (references). */
export const ID_SOURCE = '[A-Za-z0-9\\-.]{1,64}';

/** A whole FHIR id. */
export const ID_PATTERN = new RegExp(`^${ID_SOURCE}$`);

/** Whether `value` is a FHIR id (given something not known to be a string, a type guard). */
export function isFhirId(value: string): boolean;
export function isFhirId(value: unknown): value is string;
export function isFhirId(value: unknown): boolean {
  return typeof value === 'string' && ID_PATTERN.test(value);
}
