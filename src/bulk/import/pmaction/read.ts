// The PMAction export as a file: the phase-1 app ("PMAction v2.0 - Phase 1", github.com/PMA-PC/
// PMACTION-Primary, PMAction5NovQwen/pmaction-complete-app.html) keeps everything in one object,
// `app.data = { userName, checkIns, habits, topics, programs, appreciations, accomplishments,
// boundaries, quotes, currentFeeling, currentSubcategory }`, saved to the browser's localStorage
// and offered as "Download All Data". The later app of the same repository keeps its screening
// results in `history` (lib/userDataContext.js). Read tolerantly: the object itself, the object
// wrapped as `{ "pmaction": {...} }`, or a raw localStorage dump `{ key: "<JSON text>" }` whose
// values hold it; a section saved as JSON text is parsed too.

export type Json = Record<string, unknown>;

/** The sections whose entries become Haven records, in the order they are imported. */
export const RECORD_SECTIONS = ['checkIns', 'appreciations', 'accomplishments', 'boundaries', 'quotes', 'assessments', 'history'] as const;
export type RecordSection = (typeof RECORD_SECTIONS)[number];

export interface PmactionExport {
  /** The entries of each record section present (an absent section is an empty list). */
  sections: Record<RecordSection, unknown[]>;
  /** Every other key of the app's data, with what it holds (left out of the import, and counted). */
  others: Record<string, unknown>;
}

export class PmactionFormatError extends Error {}

const KNOWN = new Set<string>([...RECORD_SECTIONS, 'userName', 'habits', 'topics', 'programs']);

export function readPmactionExport(text: string): PmactionExport {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new PmactionFormatError(`Not JSON: ${(error as Error).message}`);
  }
  const data = appData(document);
  if (!data)
    throw new PmactionFormatError(
      'Not a PMAction export: no object with checkIns, appreciations, accomplishments, boundaries, quotes, habits, topics or programs',
    );
  const sections = Object.fromEntries(RECORD_SECTIONS.map((name) => [name, []])) as unknown as Record<RecordSection, unknown[]>;
  const others: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(data)) {
    const value = parsedText(raw);
    if ((RECORD_SECTIONS as readonly string[]).includes(key)) {
      if (!Array.isArray(value)) throw new PmactionFormatError(`${key} is not a list`);
      sections[key as RecordSection] = value;
    } else others[key] = value;
  }
  return { sections, others };
}

/** The app's data object, wherever the file keeps it. */
function appData(document: unknown): Json | undefined {
  if (!isObject(document)) return undefined;
  if (looksLikeAppData(document)) return document;
  const wrapped = parsedText(document.pmaction);
  if (isObject(wrapped) && looksLikeAppData(wrapped)) return wrapped;
  // A localStorage dump: one of its values is the app's data as JSON text.
  for (const value of Object.values(document)) {
    const parsed = parsedText(value);
    if (isObject(parsed) && looksLikeAppData(parsed)) return parsed;
  }
  return undefined;
}

function looksLikeAppData(value: Json): boolean {
  return Object.keys(value).some((key) => KNOWN.has(key) && key !== 'userName');
}

/** localStorage holds text: a value that is JSON text of an object or list is read as that. */
function parsedText(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
