// What a summary reads, through the app-records reader (../record-reader.ts) as the caller: each
// search is confined to the patient's compartment and runs with the caller's StoreContext, so scopes
// and the patient compartment of the token apply, and every page read leaves its audit record like
// any search. Resources a mapper cannot read back as a record are left out, not fatal.
import type { Flag, MedicationAdministration, MedicationRequest, Observation, Resource } from '@medplum/fhirtypes';
import { assessments as assessmentKind } from '../kinds/assessments.js';
import { medicationLogs as medicationLogKind } from '../kinds/medication-logs.js';
import { medications as medicationKind } from '../kinds/medications.js';
import { moodEntries as moodEntryKind } from '../kinds/mood-entries.js';
import { vitals as vitalsKind } from '../kinds/vitals.js';
import { assessmentFromFhir, type ScoredAssessment } from '../../mappers/assessment.js';
import type { StoredRecord } from '../../mappers/fhir.js';
import { medicationFromFhir, type Medication } from '../../mappers/medication.js';
import { medicationLogFromFhir } from '../../mappers/medication-log.js';
import { moodEntryFromFhir, type MoodEntry } from '../../mappers/mood-entry.js';
import { vitalsFromFhir, type Vitals } from '../../mappers/vitals.js';
import type { LoggedDose } from '../../clinical/adherence.js';
import type { SummaryWindow } from '../../clinical/window.js';
import type { RecordDefinition } from '../record-definition.js';
import type { RecordReader } from '../record-reader.js';
import { VITAL_MEASUREMENTS } from './latest-vitals.js';
import { moodLookbackStart } from './mood-trend.js';

/** The resource types a summary reads: the token must be allowed to search each. */
export const SUMMARY_TYPES = ['Patient', 'Observation', 'MedicationRequest', 'MedicationAdministration', 'QuestionnaireResponse', 'Flag'] as const;

export interface SummaryRecords {
  moodEntries: Array<StoredRecord<MoodEntry>>;
  vitals: Array<StoredRecord<Vitals>>;
  medications: Array<StoredRecord<Medication>>;
  medicationLogs: LoggedDose[];
  assessments: Array<StoredRecord<ScoredAssessment>>;
  flags: Flag[];
}

/** Vitals panels read per page: the latest of each measurement is usually on the first. */
const VITALS_PAGE = 100;

/** The summary's assessments are the responses alone: the score is the response's own, and the derived resources are not read. */
const responsesAlone = { ...assessmentKind, companions: () => [] };

export class SummaryReader {
  constructor(
    /** The caller's reader (its searches run with the caller's StoreContext). */
    private readonly reader: RecordReader,
    private readonly patientId: string,
    /** Records read per page: the search's largest. */
    private readonly pageSize: number,
  ) {}

  /** Whether the patient exists and the caller may see it. */
  async patientVisible(): Promise<boolean> {
    const [patient] = await this.reader.find(
      'Patient',
      [
        ['_id', this.patientId],
        ['_count', String(this.pageSize)],
      ],
      { everyPage: true },
    );
    return patient !== undefined;
  }

  async read(window: SummaryWindow): Promise<SummaryRecords> {
    const [moodEntries, vitals, medications, medicationLogs, assessments, flags] = await Promise.all([
      this.records(
        moodEntryKind,
        [
          ['date', `ge${instant(moodLookbackStart(window))}`],
          ['date', `le${instant(window.to)}`],
        ],
        (r) => moodEntryFromFhir(r as Observation[]),
      ),
      // Newest first, read until every measurement has its latest value: older pages cannot change it.
      this.records(
        vitalsKind,
        [
          ['date', `ge${instant(window.from)}`],
          ['date', `le${instant(window.to)}`],
          ['_sort', '-date'],
        ],
        (r) => vitalsFromFhir(r as Observation[]),
        {
          count: VITALS_PAGE,
          enough: (found) => VITAL_MEASUREMENTS.every((m) => found.some((record) => record[m] !== undefined)),
        },
      ),
      this.records(medicationKind, [], (r) => medicationFromFhir(r as MedicationRequest[])),
      // Every dose logged in the window, whatever its medication.
      this.records(
        medicationLogKind,
        [
          ['effective-time', `ge${instant(window.from)}`],
          ['effective-time', `le${instant(window.to)}`],
        ],
        (r) => medicationLogFromFhir(r as MedicationAdministration[]),
      ),
      // Every earlier one too: the latest's change is measured from the one before it. Found by
      // form, as the records API lists them, so an EHR's or forms app's PHQ-9 counts too.
      this.records(responsesAlone, [['authored', `le${instant(window.to)}`]], (r) => assessmentFromFhir(r)),
      this.reader.find('Flag', [['_count', String(this.pageSize)]], { compartment: this.patientId, everyPage: true }) as Promise<Flag[]>,
    ]);
    return { moodEntries, vitals, medications, medicationLogs, assessments, flags };
  }

  /** The records of one kind in the patient's compartment, each read back by its mapper. */
  private records<R>(
    kind: RecordDefinition,
    criteria: Array<[string, string]>,
    read: (resources: Resource[]) => R,
    options: { count?: number; enough?: (found: readonly R[]) => boolean } = {},
  ): Promise<R[]> {
    return this.reader.inCompartment(kind, this.patientId, criteria, {
      count: options.count ?? this.pageSize,
      read,
      ...(options.enough ? { enough: options.enough } : {}),
    });
  }
}

/** A search date at second precision (what a FHIR search date takes). */
function instant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
