// `haven import`: files in order, NDJSON streamed line by line in batches (never a whole file in
// memory), Bundles one at a time; what is refused goes to the report file with its reason, and a
// checkpoint after every batch lets an interrupted run resume where it stopped.
import { appendFileSync, createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Checkpoint } from './checkpoint.js';
import { Progress } from './progress.js';
import { collectSources, type Source } from './sources.js';
import type { EntryOutcome, ImportWriter, Json } from './writers.js';

export interface ImportOptions {
  /** Resources per batch (one transaction each). */
  batchSize: number;
  /** Refusals, one JSON object a line: file, line or entry, type, id, status, reason. */
  reportPath: string;
  /** The resume state; absent: no resuming. */
  checkpointPath?: string;
  progressOut?: ConstructorParameters<typeof Progress>[1];
}

export interface ImportSummary {
  files: number;
  /** Files skipped because an earlier run finished them. */
  resumedFiles: number;
  stored: Record<string, number>;
  refused: number;
  /** Problems with the paths themselves (missing, wrong kind). */
  problems: string[];
  seconds: number;
  perSecond: number;
}

export async function importPaths(paths: string[], writer: ImportWriter, options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const { sources, problems } = collectSources(paths);
  const checkpoint = options.checkpointPath ? new Checkpoint(options.checkpointPath) : undefined;
  const pending = sources.filter((s) => !checkpoint?.isDone(s));
  // A resumed run appends to the report of the run it continues.
  if (!checkpoint || pending.length === sources.length) writeFileSync(options.reportPath, '');
  const total = (await Promise.all(pending.map(countResources))).reduce((a, b) => a + b, 0);
  const progress = new Progress(total, options.progressOut);
  const summary: ImportSummary = {
    files: sources.length,
    resumedFiles: sources.length - pending.length,
    stored: {},
    refused: 0,
    problems,
    seconds: 0,
    perSecond: 0,
  };
  const tally = (source: Source, outcomes: EntryOutcome[], where: (i: number) => Record<string, number>) => {
    let refused = 0;
    outcomes.forEach((o, i) => {
      if (o.ok) summary.stored[o.resourceType ?? '?'] = (summary.stored[o.resourceType ?? '?'] ?? 0) + 1;
      else {
        refused++;
        appendFileSync(
          options.reportPath,
          JSON.stringify({ file: source.path, ...where(i), resourceType: o.resourceType, id: o.id, status: o.status, reason: o.reason }) + '\n',
        );
      }
    });
    summary.refused += refused;
    progress.add(outcomes.length - refused, refused);
  };

  for (const source of pending) {
    if (source.kind === 'ndjson') await importNdjson(source, writer, options, checkpoint, tally);
    else await importJson(source, writer, tally);
    checkpoint?.record(source, 0, true);
  }
  progress.finish();
  summary.seconds = (Date.now() - started) / 1000;
  summary.perSecond = progress.rate();
  return summary;
}

type Tally = (source: Source, outcomes: EntryOutcome[], where: (i: number) => Record<string, number>) => void;

async function importNdjson(source: Source, writer: ImportWriter, options: ImportOptions, checkpoint: Checkpoint | undefined, tally: Tally): Promise<void> {
  const skip = checkpoint?.linesDone(source) ?? 0;
  let lineNo = 0;
  let batch: Array<{ line: number; resource: Json }> = [];
  // Two batches overlap: while one is in the database, the next is read, checked and written by
  // its own statement (Node's work and the database's then run on two cores instead of taking
  // turns). The next batch's after-write hooks wait until the one before has committed, so alert
  // rules see every earlier line as in a one-at-a-time import; outcomes, report lines and the
  // checkpoint follow the file's order. Batches that share a resource do not overlap (two
  // transactions writing one row could wait for each other).
  let previous: { done: Promise<void>; keys: Set<string> } | undefined;
  const flush = async () => {
    if (!batch.length) return;
    const sent = batch;
    const upTo = lineNo;
    batch = [];
    const keys = new Set(sent.map((b) => keyOf(b.resource)).filter((k) => k !== undefined));
    const before = previous;
    if (before && [...keys].some((k) => before.keys.has(k))) await before.done;
    const written = writer.resources(
      sent.map((b) => b.resource),
      before?.done,
    );
    const done = (async () => {
      const outcomes = await written;
      await before?.done;
      tally(source, outcomes, (i) => ({ line: sent[i].line }));
      checkpoint?.record(source, upTo, false);
    })();
    // Awaited below or by the next flush; this keeps a failure from also being reported unhandled.
    done.catch(() => undefined);
    previous = { done, keys };
    await before?.done;
  };
  const lines = createInterface({ input: createReadStream(source.path, 'utf8'), crlfDelay: Infinity });
  for await (const text of lines) {
    lineNo++;
    if (lineNo <= skip || !text.trim()) continue;
    let resource: unknown;
    try {
      resource = JSON.parse(text);
    } catch (error) {
      tally(source, [{ ok: false, status: 400, reason: `Not JSON: ${(error as Error).message}` }], () => ({ line: lineNo }));
      continue;
    }
    if (!resource || typeof resource !== 'object' || Array.isArray(resource)) {
      tally(source, [{ ok: false, status: 400, reason: 'The line is not a JSON object' }], () => ({ line: lineNo }));
      continue;
    }
    batch.push({ line: lineNo, resource: resource as Json });
    if (batch.length >= options.batchSize) await flush();
  }
  await flush();
  await previous?.done;
}

/** Type/id of a resource that names its id (the rows two batches could both write). */
function keyOf(resource: Json): string | undefined {
  return typeof resource.resourceType === 'string' && typeof resource.id === 'string' ? `${resource.resourceType}/${resource.id}` : undefined;
}

async function importJson(source: Source, writer: ImportWriter, tally: Tally): Promise<void> {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(source.path, 'utf8'));
  } catch (error) {
    tally(source, [{ ok: false, status: 400, reason: `Not JSON: ${(error as Error).message}` }], () => ({}));
    return;
  }
  const json = document as Json;
  if (json?.resourceType === 'Bundle') tally(source, await writer.bundle(json), (i) => ({ entry: i }));
  else tally(source, await writer.resources([json]), () => ({}));
}

/** Resources a file holds (for the progress bar): non-blank lines, or a Bundle's entries. */
async function countResources(source: Source): Promise<number> {
  if (source.kind === 'ndjson') {
    let n = 0;
    const lines = createInterface({ input: createReadStream(source.path, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) if (line.trim()) n++;
    return n;
  }
  try {
    const json = JSON.parse(readFileSync(source.path, 'utf8')) as Json;
    return json.resourceType === 'Bundle' && Array.isArray(json.entry) ? json.entry.length : 1;
  } catch {
    return 1;
  }
}
