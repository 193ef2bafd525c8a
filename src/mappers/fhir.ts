// Small builders and readers of FHIR datatypes that every mapper uses, and the parts common to
// every app record: the patient reference, the record-kind tag, ids of the resources a record owns.
import { createHash } from 'node:crypto';
import type { CodeableConcept, Coding, Meta, Patient, Quantity, Reference, Resource } from '@medplum/fhirtypes';
import { parseLiteralReference } from '../grammar/reference.js';
import { SYSTEM, type Code, type RecordKind, type Unit } from './codes.js';

/** What every toFhir needs: whose record it is and the id of its main resource. */
export interface RecordContext {
  patientId: string;
  /** Id of the record's main FHIR resource (the record's id). */
  id: string;
}

/** A record as the API answers it: its fields, its id and the references of its resources. */
export type StoredRecord<R> = R & { id: string; fhir: string[] };

/** Resources that cannot be read back as a record of the kind asked for. */
export class RecordShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordShapeError';
  }
}

export function coding(system: string, code: Code): Coding {
  return { system, code: code.code, ...(code.display ? { display: code.display } : {}) };
}

export function concept(system: string, code: Code, text = code.display): CodeableConcept {
  return { coding: [coding(system, code)], ...(text ? { text } : {}) };
}

export function ucum(value: number, unit: Unit): Quantity {
  return { value, unit: unit.unit, system: SYSTEM.ucum, code: unit.code };
}

export function patientReference(patientId: string): Reference<Patient> {
  return { reference: `Patient/${patientId}` };
}

export function referenceTo<T extends Resource>(resource: T): Reference<T> {
  return { reference: `${resource.resourceType}/${resource.id}` };
}

/**
 * A reference copied from one element to another whose allowed target types differ in the type
 * system only (a response's Patient subject becoming a Flag's subject).
 */
export function retarget<T extends Resource>(reference: Reference): Reference<T> {
  return reference as Reference<T>;
}

export function referenceString(resource: Resource): string {
  return `${resource.resourceType}/${resource.id}`;
}

/** meta with Haven's record-kind tag, so that the app-records API finds the record by `_tag`. */
export function recordMeta(kind: RecordKind, profiles?: string[]): Meta {
  return { ...(profiles ? { profile: profiles } : {}), tag: [{ system: SYSTEM.recordKind, code: kind }] };
}

export function hasCoding(value: CodeableConcept | undefined, system: string, code: string): boolean {
  return value?.coding?.some((c) => c.system === system && c.code === code) ?? false;
}

/** The id of a `Type/id` reference when it points at `type`. */
export function referencedId(reference: Reference | undefined, type: string): string | undefined {
  return parseLiteralReference(reference?.reference ?? '', { types: [type], versioned: false })?.id;
}

// A fixed namespace for Haven's name-based UUIDs (RFC 4122 version 5): never change it, or the
// ids of resources already derived would no longer be found.
const ID_NAMESPACE = Buffer.from('d712 4a03 89d3 45f5 a587 ffda ef1b 891a'.replace(/ /g, ''), 'hex');

/**
 * The id of a resource a record or response owns, such as a vital-sign measurement of a vitals
 * panel or the total-score Observation of a QuestionnaireResponse: a version-5 UUID of the owner's
 * `Type/id` and the role, so that it is found again without a search and stays under FHIR's 64
 * characters whatever the owner's id.
 */
export function ownedId(owner: string, role: string): string {
  const hash = createHash('sha1').update(ID_NAMESPACE).update(`${owner}#${role}`, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
