// Literal references (R4 references.html#literal): "Type/id", "Type/id/_history/version", or the
// same as an absolute URL. Who reads them decides where the URL may point (this server only, or
// anywhere) and which resource types the position allows (fhirUser: Patient, Practitioner, ...).
import { ID_SOURCE } from './id.js';

/** The parts of a literal reference. */
export interface LiteralReference {
  type: string;
  id: string;
  /** The version of a "Type/id/_history/version" reference. */
  version?: string;
}

export interface ReferenceOptions {
  /**
   * This server's FHIR base URL: an absolute reference under it reads as the relative one. Without
   * it, only relative references are read.
   */
  baseUrl?: string;
  /** The resource types this position allows; any type when absent. */
  types?: readonly string[];
  /** Whether a "/_history/version" reference is allowed (default: yes). */
  versioned?: boolean;
}

/** The resource types a fhirUser claim may name (SMART App Launch 2.x: fhirUser). */
export const FHIR_USER_TYPES = ['Patient', 'Practitioner', 'PractitionerRole', 'RelatedPerson', 'Person'] as const;

// The type is a resource type's shape (an upper-case letter, then letters); the version is kept as
// loosely as it always was: anything up to the next '/'.
const TAIL = `([A-Z][A-Za-z]+)\\/(${ID_SOURCE})(?:\\/_history\\/([^/]+))?$`;
const RELATIVE = new RegExp(`^${TAIL}`);
const AT_END = new RegExp(`(?:^|\\/)${TAIL}`);

/** A relative literal reference, or an absolute one under `options.baseUrl`; undefined otherwise. */
export function parseLiteralReference(text: string, options: ReferenceOptions = {}): LiteralReference | undefined {
  return accept(RELATIVE.exec(localPart(text, options.baseUrl)), options);
}

/**
 * The reference at the end of any URL, on this server or another ("https://other.example/fhir/
 * Patient/1" is a Patient): for reading a target's type, not for resolving it here.
 */
export function parseReferenceAtEnd(text: string, options: Omit<ReferenceOptions, 'baseUrl'> = {}): LiteralReference | undefined {
  return accept(AT_END.exec(text), options);
}

/** Whether `text` is a relative reference (or one under `baseUrl`) to one of `types`, without a version. */
export function isReferenceTo(text: string | undefined, types: readonly string[], baseUrl?: string): text is string {
  return text !== undefined && parseLiteralReference(text, { types, versioned: false, ...(baseUrl !== undefined ? { baseUrl } : {}) }) !== undefined;
}

/** "Type/id": the version-independent relative form. */
export function referenceKey(reference: LiteralReference): string {
  return `${reference.type}/${reference.id}`;
}

/** `text` relative to `baseUrl` when it lies under it ("<base>/Patient/1" -> "Patient/1"). */
export function localPart(text: string, baseUrl: string | undefined): string {
  if (baseUrl === undefined) return text;
  const prefix = `${baseUrl.replace(/\/+$/, '')}/`;
  return text.startsWith(prefix) ? text.slice(prefix.length) : text;
}

function accept(match: RegExpExecArray | null, options: Omit<ReferenceOptions, 'baseUrl'>): LiteralReference | undefined {
  if (!match) return undefined;
  const [, type, id, version] = match;
  if (options.types && !options.types.includes(type)) return undefined;
  if (version !== undefined && options.versioned === false) return undefined;
  return version === undefined ? { type, id } : { type, id, version };
}
