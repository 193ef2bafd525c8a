// mood-entries: one survey Observation (src/mappers/mood-entry.ts).
import type { Observation } from '@medplum/fhirtypes';
import { moodEntryFromFhir, moodEntryToFhir, validateMoodEntry, type MoodEntry } from '../../mappers/mood-entry.js';
import type { RecordDefinition } from '../record-definition.js';

export const moodEntries: RecordDefinition<MoodEntry> = {
  path: 'mood-entries',
  kind: 'mood-entry',
  label: 'mood entry',
  mainType: 'Observation',
  types: ['Observation'],
  dateParam: 'date',
  validate: (input) => validateMoodEntry(input),
  toFhir: (entry, ctx) => moodEntryToFhir(entry, ctx),
  fromFhir: (resources) => moodEntryFromFhir(resources as Observation[]),
  companions: () => [],
  ownsCompanions: true,
};
