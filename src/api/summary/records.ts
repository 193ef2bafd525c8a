// What a summary reads, through the store's search as the caller: each search is confined to the
// patient's compartment and runs with the caller's StoreContext, so scopes and the patient
// compartment of the token apply, and every page read leaves its audit record like any search.
// Resources a mapper cannot read back as a record are left out, not fatal.
import type { Flag, MedicationAdministration, MedicationRequest, Observation, Resource } from '@medplum/fhirtypes';
import { assessments as assessmentKind } from '../kinds/assessments.js';
import { assessmentFromFhir, type ScoredAssessment } from '../../mappers/assessment.js';
import { SYSTEM, type RecordKind } from '../../mappers/codes.js';
import { RecordShapeError, referencedId, type StoredRecord } from '../../mappers/fhir.js';
import { medicationFromFhir, type Medication } from '../../mappers/medication.js';
import { medicationLogFromFhir } from '../../mappers/medication-log.js';
import { moodEntryFromFhir, type MoodEntry } from '../../mappers/mood-entry.js';
import { vitalsFromFhir, type Vitals } from '../../mappers/vitals.js';
import type { Services } from '../../runtime.js';
import type { StoreContext } from '../../store/context.js';
import type { SearchCursor } from '../../store/search/request.js';
import type { LoggedDose } from '../../clinical/adherence.js';
import { VITAL_MEASUREMENTS } from './latest-vitals.js';
import { moodLookbackStart } from './mood-trend.js';
import type { SummaryWindow } from '../../clinical/window.js';

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

export class SummaryReader {
  constructor(
    private readonly services: Services,
    private readonly ctx: StoreContext,
    private readonly patientId: string,
  ) {}

  /** Whether the patient exists and the caller may see it. */
  async patientVisible(): Promise<boolean> {
    const [patient] = await this.search('Patient', [['_id', this.patientId]], { compartment: false });
    return patient !== undefined;
  }

  async read(window: SummaryWindow): Promise<SummaryRecords> {
    const [moodEntries, vitals, medications, medicationLogs, assessments, flags] = await Promise.all([
      this.records('mood-entry', 'Observation', [['date', `ge${instant(moodLookbackStart(window))}`], ['date', `le${instant(window.to)}`]], (r) =>
        moodEntryFromFhir([r as Observation]),
      ),
      this.latestVitals(window),
      this.records('medication', 'MedicationRequest', [], (r) => medicationFromFhir([r as MedicationRequest])),
      this.records('medication-log', 'MedicationAdministration', [['effective-time', `ge${instant(window.from)}`], ['effective-time', `le${instant(window.to)}`]], (r) =>
        medicationLogFromFhir([r as MedicationAdministration]),
      ),
      // Every earlier one too: the latest's change is measured from the one before it. Found by
      // form, as the records API lists them, so an EHR's or forms app's PHQ-9 counts too.
      this.records('assessment', 'QuestionnaireResponse', [['authored', `le${instant(window.to)}`]], (r) => assessmentFromFhir([r]), assessmentKind.kindCriteria),
      this.search('Flag', []) as Promise<Flag[]>,
    ]);
    return { moodEntries, vitals, medications, medicationLogs, assessments, flags };
  }

  /**
   * Vitals records of the window, newest first, read until every measurement has its latest
   * value: panels by their record-kind tag, then their member Observations by id.
   */
  private async latestVitals(window: SummaryWindow): Promise<Array<StoredRecord<Vitals>>> {
    const found: Array<StoredRecord<Vitals>> = [];
    const params: Array<[string, string]> = [
      ['_tag', tag('vitals')],
      ['date', `ge${instant(window.from)}`],
      ['date', `le${instant(window.to)}`],
      ['_sort', '-date'],
    ];
    await this.search('Observation', params, {
      count: VITALS_PAGE,
      onPage: async (panels) => {
        const memberIds = (p: Observation) => (p.hasMember ?? []).map((m) => referencedId(m, 'Observation')).filter((id): id is string => id !== undefined);
        const ids = (panels as Observation[]).flatMap(memberIds);
        // In the compartment too: a panel pointing at another patient's Observation gets nothing.
        const members = ids.length ? ((await this.search('Observation', [['_id', ids.join(',')]])) as Observation[]) : [];
        const byId = new Map(members.map((m) => [m.id as string, m]));
        for (const panel of panels as Observation[]) {
          const own = memberIds(panel).map((id) => byId.get(id)).filter((m): m is Observation => m !== undefined);
          const record = fromFhir(() => vitalsFromFhir([panel, ...own]));
          if (record) found.push(record);
        }
        // Stop once every measurement has a value: older pages cannot change the latest ones.
        return VITAL_MEASUREMENTS.every((m) => found.some((r) => r[m] !== undefined));
      },
    });
    return found;
  }

  /** The records of one kind (by its record-kind tag, or the kind's own criteria), each read back by its mapper. */
  private async records<R>(
    kind: RecordKind,
    type: string,
    params: Array<[string, string]>,
    map: (resource: Resource) => R,
    kindCriteria: ReadonlyArray<[string, string]> = [['_tag', tag(kind)]],
  ): Promise<R[]> {
    const resources = await this.search(type, [...kindCriteria, ...params]);
    return resources.map((r) => fromFhir(() => map(r))).filter((r): r is R => r !== undefined);
  }

  /**
   * Every page of a search in the patient's compartment (unless told otherwise). `onPage` may
   * end the reading early by answering true.
   */
  private async search(
    type: string,
    params: Array<[string, string]>,
    options: { compartment?: boolean; count?: number; onPage?: (page: Resource[]) => Promise<boolean> } = {},
  ): Promise<Resource[]> {
    const { search, store, config } = this.services;
    const count = options.count ?? config.maxPageSize;
    const extra = options.compartment === false ? [] : [{ kind: 'compartment' as const, compartment: `Patient/${this.patientId}` }];
    const parsed = search.parse([type], [...params, ['_count', String(count)]], extra);
    // Haven's own queries: a parameter it ignored would be a bug here, not the client's mistake.
    if (parsed.ignored.length) throw new Error(`Summary search of ${type} ignored ${parsed.ignored.map((i) => i.name).join(', ')}`);
    const used = new URLSearchParams(parsed.used).toString();
    const query = `${options.compartment === false ? type : `Patient/${this.patientId}/${type}`}?${used}`;
    const all: Resource[] = [];
    let cursor: SearchCursor | undefined;
    do {
      const result = await store.reader(this.ctx).searchPage({ ...parsed.request, ...(cursor ? { cursor } : {}) }, query);
      const page = result.matches.map((m) => JSON.parse(m.json) as Resource);
      all.push(...page);
      if (options.onPage && (await options.onPage(page))) break;
      cursor = result.next;
    } while (cursor);
    return all;
  }
}

/** The record, or undefined when the resources are not one the mapper reads back. */
function fromFhir<R>(map: () => R): R | undefined {
  try {
    return map();
  } catch (error) {
    if (error instanceof RecordShapeError) return undefined;
    throw error;
  }
}

function tag(kind: RecordKind): string {
  return `${SYSTEM.recordKind}|${kind}`;
}

/** A search date at second precision (what a FHIR search date takes). */
function instant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
