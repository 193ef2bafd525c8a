// PMAction entries -> what Haven stores for them (docs/bulk.md "PMAction"): a check-in with a 1-10
// mood rating is a mood entry; one without (every phase-1 check-in: the app asks for a feeling, not
// a rating) is kept as a journal entry, since a mood entry's overallMood must be the patient's own
// rating and is never made up; appreciations, accomplishments, boundaries and quotes are journal
// entries; a PHQ-9 or GAD-7 with all its item answers is an assessment. Anything else is refused
// with its reason. Each planned record carries the identifier that makes re-importing idempotent.
import type { Identifier } from '@medplum/fhirtypes';
import { assessments } from '../../../api/kinds/assessments.js';
import { moodEntries } from '../../../api/kinds/mood-entries.js';
import type { RecordDefinition } from '../../../api/record-definition.js';
import { FhirError } from '../../../errors.js';
import { HAVEN_CANONICAL } from '../../../mappers/codes.js';
import { INSTRUMENTS, scoreOf, type AssessmentType } from '../../../mappers/instruments.js';
import { journalEntry, type JournalEntry } from './journal.js';
import { isObject, RECORD_SECTIONS, type Json, type PmactionExport, type RecordSection } from './read.js';

/** Haven's identifier system for records imported from PMAction; the value is `<section>/<entry id>`. */
export const PMACTION_ENTRY_SYSTEM = `${HAVEN_CANONICAL}/sid/pmaction-entry`;

/** Where an entry was in the file, for the report. */
export interface EntryPlace {
  section: RecordSection;
  index: number;
  pmactionId?: string;
}

export type Planned =
  | (EntryPlace & { kind: 'record'; label: string; definition: RecordDefinition; record: object; identifier: Identifier })
  | (EntryPlace & { kind: 'journal'; label: string; entry: JournalEntry; identifier: Identifier })
  | (EntryPlace & { kind: 'refused'; status: number; reason: string });

/** The plan for every entry, section by section; an id seen before in its section is refused (it would overwrite the first). */
export function planExport(sections: PmactionExport['sections'], now: Date): Planned[] {
  const seen = new Set<string>();
  return RECORD_SECTIONS.flatMap((section) =>
    sections[section].map((raw, index): Planned => {
      const planned = planEntry(section, index, raw, now);
      if (planned.kind === 'refused') return planned;
      const key = planned.identifier.value as string;
      if (seen.has(key)) {
        return {
          section,
          index,
          pmactionId: planned.pmactionId,
          kind: 'refused',
          status: 400,
          reason: `Another ${section} entry before it has the id ${planned.pmactionId}: not imported`,
        };
      }
      seen.add(key);
      return planned;
    }),
  );
}

/** The plan for one entry of a section. `now` is only the validators' default time (never used: PMAction entries carry theirs). */
export function planEntry(section: RecordSection, index: number, raw: unknown, now: Date): Planned {
  const place: EntryPlace = { section, index };
  if (!isObject(raw)) return { ...place, kind: 'refused', status: 400, reason: 'The entry is not a JSON object' };
  const id = raw.id;
  if ((typeof id !== 'string' || !id.trim()) && typeof id !== 'number') {
    return { ...place, kind: 'refused', status: 400, reason: 'The entry has no id, so a second import could not know it: not imported' };
  }
  const pmactionId = String(id);
  const at: EntryPlace = { ...place, pmactionId };
  const identifier: Identifier = { system: PMACTION_ENTRY_SYSTEM, value: `${section}/${pmactionId}` };
  try {
    if (section === 'assessments' || section === 'history')
      return { ...at, kind: 'record', label: 'assessment', definition: assessments, record: assessmentRecord(raw, now), identifier };
    if (section === 'checkIns' && moodRating(raw) !== undefined)
      return { ...at, kind: 'record', label: 'mood entry', definition: moodEntries, record: moodRecord(raw, now), identifier };
    return { ...at, kind: 'journal', label: 'journal entry', entry: journalEntry(section, raw), identifier };
  } catch (error) {
    if (!(error instanceof FhirError)) throw error;
    return { ...at, kind: 'refused', status: error.status, reason: error.message };
  }
}

/** A check-in's own 1-10 rating, when the export has one (phase 1 has none). */
function moodRating(entry: Json): unknown {
  return entry.overallMood ?? entry.moodRating ?? entry.rating;
}

function moodRecord(entry: Json, now: Date): object {
  const feelings = [entry.feeling, entry.subcategory].filter((f) => typeof f === 'string' && f.trim());
  return moodEntries.validate(
    {
      recordedAt: entry.timestamp,
      overallMood: moodRating(entry),
      ...(feelings.length ? { feelings } : {}),
      ...(typeof entry.notes === 'string' && entry.notes.trim() ? { notes: entry.notes } : {}),
    },
    now,
  );
}

/** PMAction's names for the two instruments (its screenings are `depression-phq9` and `anxiety-gad7`). */
const INSTRUMENT_NAMES: Record<string, AssessmentType> = { phq9: 'PHQ-9', depressionphq9: 'PHQ-9', gad7: 'GAD-7', anxietygad7: 'GAD-7' };

function assessmentRecord(entry: Json, now: Date): object {
  const named = [entry.type, entry.instrument, entry.screeningId].find((v) => typeof v === 'string' && v !== 'simple') as string | undefined;
  const type = named ? INSTRUMENT_NAMES[named.toLowerCase().replace(/[^a-z0-9]/g, '')] : undefined;
  if (!type) throw FhirError.badRequest('invalid-record', `Unknown instrument ${JSON.stringify(named ?? null)}: Haven scores the PHQ-9 and the GAD-7 only`);
  const responses = itemAnswers(entry.answers ?? entry.responses);
  if (!responses) {
    throw FhirError.badRequest(
      'invalid-record',
      `The ${type} holds no item answers${typeof entry.score === 'number' ? ` (only its total, ${entry.score})` : ''}: Haven scores an assessment from its items`,
    );
  }
  const takenAt = entry.takenAt ?? entry.timestamp ?? entry.date;
  if (takenAt === undefined) throw FhirError.badRequest('invalid-record', `The ${type} has no time (timestamp or date)`);
  const record = assessments.validate({ type, responses, takenAt }, now) as { responses: number[] };
  // A total in the export that its own answers do not give means the answers are not what was scored.
  const { total } = scoreOf(INSTRUMENTS[type], record.responses);
  if (typeof entry.score === 'number' && entry.score !== total) {
    throw FhirError.badRequest('invalid-record', `The ${type}'s total ${entry.score} is not the sum of its answers (${total})`);
  }
  return record;
}

/** Item answers as a list in the instrument's order: a list, or an object keyed by item position (0-based). */
function itemAnswers(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value.length ? value : undefined;
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (!keys.length || !keys.every((k) => /^\d+$/.test(k))) return undefined;
  const list: unknown[] = [];
  for (const k of keys) list[Number(k)] = value[k];
  // A skipped position stays a hole, and the validator names it.
  return Array.from(list, (v) => (v === undefined ? null : v));
}
