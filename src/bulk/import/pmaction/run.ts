// `haven import --format pmaction FILE --patient ID`: every entry of a PMAction export as a record
// of the Patient. Mood entries and assessments go through the app-records API's own writer (so
// they are exactly what POST /api/v1/... stores, scores, Flag and alert rules included); journal
// entries through the same write interactions as a FHIR create, one transaction each with its
// history, index and audit. An entry imported before (found by its PMAction identifier) is
// replaced when it changed and left alone when not, so running the import again adds nothing.
import { randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import type { Resource } from '@medplum/fhirtypes';
import { checkPatient, RecordWriter } from '../../../api/record-writer.js';
import { FhirError } from '../../../errors.js';
import { sameContent } from '../../../fhir/content.js';
import type { Services } from '../../../runtime.js';
import { ALL_ACCESS, type StoreContext } from '../../../store/context.js';
import { Progress } from '../progress.js';
import { journalDocument } from './journal.js';
import { planExport, type Planned } from './map.js';
import { PmactionFormatError, readPmactionExport } from './read.js';
import { notImported, type PmactionSummary } from './summary.js';

export interface PmactionOptions {
  patientId: string;
  /** Refusals, one JSON object a line: file, section, index, pmactionId, status, reason. */
  reportPath: string;
  /** Validate only: nothing is written (the database is read to check the Patient). */
  dryRun?: boolean;
  progressOut?: ConstructorParameters<typeof Progress>[1];
}

type Outcome = 'created' | 'updated' | 'unchanged';

/** Imports the file; a Patient that does not exist is a 404 FhirError before anything is read. */
export async function importPmaction(file: string, services: Services, options: PmactionOptions): Promise<PmactionSummary> {
  const started = Date.now();
  const ctx: StoreContext = { actor: { requestId: `import-${randomUUID()}`, subject: 'haven-import' }, access: ALL_ACCESS };
  await checkPatient(services.store.reader(ctx), options.patientId);
  writeFileSync(options.reportPath, '');
  const summary: PmactionSummary = { stored: {}, updated: 0, unchanged: 0, refused: 0, notImported: [], seconds: 0, perSecond: 0 };
  const refuse = (where: object, status: number, reason: string) => {
    summary.refused++;
    appendFileSync(options.reportPath, JSON.stringify({ file, ...where, status, reason }) + '\n');
  };
  let exported;
  try {
    exported = readPmactionExport(readFileSync(file, 'utf8'));
  } catch (error) {
    if (!(error instanceof PmactionFormatError)) throw error;
    refuse({}, 400, error.message);
    return { ...summary, seconds: (Date.now() - started) / 1000 };
  }
  summary.notImported = notImported(exported.others);
  const plan = planExport(exported.sections, new Date());
  const progress = new Progress(plan.length, options.progressOut);
  const importer = new EntryImporter(services, ctx, options);
  for (const planned of plan) {
    const where = { section: planned.section, index: planned.index, ...(planned.pmactionId ? { pmactionId: planned.pmactionId } : {}) };
    if (planned.kind === 'refused') {
      refuse(where, planned.status, planned.reason);
      progress.add(0, 1);
      continue;
    }
    try {
      const outcome = await importer.write(planned);
      if (outcome === 'created') summary.stored[planned.label] = (summary.stored[planned.label] ?? 0) + 1;
      else summary[outcome]++;
      progress.add(1, 0);
    } catch (error) {
      if (!(error instanceof FhirError)) throw error;
      refuse(where, error.status, error.message);
      progress.add(0, 1);
    }
  }
  progress.finish();
  summary.seconds = (Date.now() - started) / 1000;
  summary.perSecond = progress.rate();
  return summary;
}

class EntryImporter {
  private readonly records: RecordWriter;

  constructor(
    private readonly services: Services,
    private readonly ctx: StoreContext,
    private readonly options: PmactionOptions,
  ) {
    this.records = new RecordWriter(services.store, services.writes, services.search);
  }

  async write(planned: Exclude<Planned, { kind: 'refused' }>): Promise<Outcome> {
    if (this.options.dryRun) return this.check(planned);
    return planned.kind === 'record' ? this.writeRecord(planned) : this.writeJournal(planned);
  }

  /** The import's own key: the PMAction identifier, among this patient's resources. */
  private async existing(type: string, planned: Exclude<Planned, { kind: 'refused' }>): Promise<{ id: string; versionId: number } | undefined> {
    const { system, value } = planned.identifier;
    const [found] = await this.services.store.reader(this.ctx).match(
      type,
      [
        ['identifier', `${system}|${value}`],
        ['subject', `Patient/${this.options.patientId}`],
      ],
      1,
    );
    return found;
  }

  private async writeRecord(planned: Extract<Planned, { kind: 'record' }>): Promise<Outcome> {
    const { definition } = planned;
    const target = { definition, scope: { patientId: this.options.patientId }, ctx: this.ctx, main: ALL_ACCESS, identifier: planned.identifier };
    const before = await this.existing(definition.mainType, planned);
    if (!before) {
      await this.records.create(target, planned.record);
      return 'created';
    }
    // The writer writes only what changed: a new version means the entry had changed.
    await this.records.replace(target, before.id, planned.record);
    const after = await this.existing(definition.mainType, planned);
    return after?.versionId === before.versionId ? 'unchanged' : 'updated';
  }

  private async writeJournal(planned: Extract<Planned, { kind: 'journal' }>): Promise<Outcome> {
    const { store, writes } = this.services;
    return store.transaction(this.ctx, async (s) => {
      const [found] = await s.match(
        'DocumentReference',
        [
          ['identifier', `${planned.identifier.system}|${planned.identifier.value}`],
          ['subject', `Patient/${this.options.patientId}`],
        ],
        1,
      );
      const document = journalDocument(planned.entry, this.options.patientId, planned.identifier, found?.id);
      if (!found) {
        await writes.create(s, 'DocumentReference', document);
        return 'created';
      }
      const stored = await s.readForUpdate('DocumentReference', found.id);
      if (stored?.json && sameContent(JSON.parse(stored.json) as Resource, document)) return 'unchanged';
      await writes.update(s, 'DocumentReference', found.id, document);
      return 'updated';
    });
  }

  /** --dry-run: the resources the entry would be, checked as a write checks them. */
  private check(planned: Exclude<Planned, { kind: 'refused' }>): Outcome {
    const { patientId } = this.options;
    const resources: Resource[] =
      planned.kind === 'record'
        ? planned.definition.toFhir(planned.record, { patientId, id: 'dry-run', now: new Date() })
        : [journalDocument(planned.entry, patientId, planned.identifier)];
    for (const resource of resources) this.services.writes.checkResource(resource.resourceType, resource, 'create');
    return 'created';
  }
}
