// PMAction's journal entries -> DocumentReference with a text/plain attachment and a confidentiality
// security label (mapping.md "Not in the app-records API yet": journal entries). The text keeps
// every field the patient wrote, one "Label: value" line each, in the app's own words, so that a
// reader sees what the app showed; the section becomes the category's text (no code: none exists).
import type { DocumentReference, Identifier } from '@medplum/fhirtypes';
import { patientReference } from '../../../mappers/fhir.js';
import { field, recordValidator } from '../../../mappers/validation.js';
import type { Json, RecordSection } from './read.js';

export interface JournalEntry {
  /** What the app calls the section ("Appreciation"). */
  category: string;
  recordedAt: string;
  text: string;
}

/**
 * The HL7 v3 Confidentiality code `R` (restricted: FHIR R4's security-labels value set): a
 * patient's journal is sensitive beyond normal health data, as psychotherapy notes are.
 */
export const JOURNAL_CONFIDENTIALITY = { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R', display: 'restricted' };

const validateJournal = recordValidator<JournalEntry>({
  properties: { category: field.text(100), recordedAt: field.instant, text: field.text(100000) },
  required: ['category', 'recordedAt', 'text'],
});

/** Each section's name and its fields as the app labels them (pmaction-complete-app.html's forms). */
const SECTIONS: Partial<Record<RecordSection, { category: string; fields: Array<[string, string]> }>> = {
  checkIns: {
    category: 'Feelings check-in',
    fields: [
      ['feeling', 'Feeling'],
      ['subcategory', 'More specifically'],
      ['notes', 'Notes'],
    ],
  },
  appreciations: { category: 'Appreciation', fields: [['text', '']] },
  accomplishments: {
    category: 'Accomplishment',
    fields: [
      ['icon', 'Icon'],
      ['type', 'Type'],
      ['details', 'Details'],
    ],
  },
  boundaries: {
    category: 'Boundary',
    fields: [
      ['description', 'Boundary'],
      ['person', 'With whom'],
      ['outcome', 'Outcome'],
      ['rating', 'Success rating (1-5)'],
    ],
  },
  quotes: {
    category: 'Quote',
    fields: [
      ['text', ''],
      ['author', 'Author'],
    ],
  },
};

/** The journal entry of a PMAction entry, or a 400 FhirError naming what is missing. */
export function journalEntry(section: RecordSection, raw: Json): JournalEntry {
  const shape = SECTIONS[section];
  const lines: string[] = [];
  for (const [name, label] of shape?.fields ?? []) {
    const value = raw[name];
    if (value === undefined || value === null || (typeof value === 'string' && !value.trim())) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    lines.push(label ? `${label}: ${text}` : text);
  }
  return validateJournal({ category: shape?.category, recordedAt: raw.timestamp, text: lines.join('\n') || undefined });
}

export function journalDocument(entry: JournalEntry, patientId: string, identifier: Identifier, id?: string): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    ...(id ? { id } : {}),
    meta: { security: [JOURNAL_CONFIDENTIALITY] },
    identifier: [identifier],
    status: 'current',
    type: { text: 'Journal entry' },
    category: [{ text: entry.category }],
    subject: patientReference(patientId),
    date: entry.recordedAt,
    author: [patientReference(patientId)],
    securityLabel: [{ coding: [JOURNAL_CONFIDENTIALITY] }],
    content: [
      {
        attachment: {
          contentType: 'text/plain; charset=utf-8',
          data: Buffer.from(entry.text, 'utf8').toString('base64'),
          title: entry.category,
          creation: entry.recordedAt,
        },
      },
    ],
  };
}
