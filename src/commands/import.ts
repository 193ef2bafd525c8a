// `haven import PATH...`: load NDJSON files, Bundles and folders of them (Synthea output) through
// the server's own write path. The import itself lives in src/bulk/import/.
import path from 'node:path';
import { importPaths } from '../bulk/import/importer.js';
import { importPmaction } from '../bulk/import/pmaction/run.js';
import { summaryLines } from '../bulk/import/pmaction/summary.js';
import { DryRunWriter, StoreWriter } from '../bulk/import/writers.js';
import { loadConfig } from '../config.js';
import { FhirError } from '../errors.js';
import { WriteInteractions } from '../fhir/interactions/write.js';
import { createValidator } from '../fhir/validate.js';
import { havenWriteHooks } from '../hooks/index.js';
import { openServices } from '../runtime.js';
import type { Command } from './command.js';

export const importCommand: Command = {
  name: 'import',
  summary: 'Load NDJSON files, Bundles and folders of them (e.g. Synthea output) as POSTs would store them',
  usage: [
    'haven import [--dry-run] [--batch-size N] [--report FILE] [--restart] PATH...',
    'haven import --format pmaction [--dry-run] [--report FILE] --patient ID FILE',
    '',
    'Reads .ndjson/.jsonl files (one resource a line), .json files (a Bundle: transaction, batch or',
    'collection; or one resource) and folders of them. Every resource goes through the same',
    'validation, conditional references, index, after-write hooks and audit as a POST: NDJSON in',
    'batches (one transaction each; a refused line is refused alone), a transaction Bundle whole.',
    "Resources with an id keep it (PUT). Synthea's hospitalInformation and practitionerInformation",
    'files are loaded first.',
    '',
    '  --dry-run        validate only; nothing is stored and no database is opened',
    '  --batch-size N   resources per NDJSON batch (default 100)',
    '  --report FILE    where refusals are written, one JSON a line (default haven-import-report.ndjson)',
    '  --restart        ignore the checkpoint of an interrupted run and start again',
    '  --format pmaction  FILE is a PMAction phase-1 export (its local-storage JSON): check-ins,',
    '                   journal entries and PHQ-9/GAD-7 results become app records of --patient',
    '                   (an existing Patient id); importing it again adds nothing (docs/bulk.md)',
    '',
    'Progress goes to stderr. An interrupted import resumes where it stopped when run again with the',
    'same report file (its checkpoint is FILE.checkpoint.json). Uses DATABASE_URL, or the embedded',
    'database in DATA_DIR (stop the server first: the embedded database allows one process at a time).',
  ].join('\n'),
  async run(args) {
    const paths: string[] = [];
    let dryRun = false;
    let restart = false;
    let batchSize = 100;
    let report = 'haven-import-report.ndjson';
    let format: string | undefined;
    let patient: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (arg === '--dry-run') dryRun = true;
      else if (arg === '--restart') restart = true;
      else if (arg === '--batch-size') {
        batchSize = Number(args[++i]);
        if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10000) {
          console.error('--batch-size must be a whole number from 1 to 10000');
          return 2;
        }
      } else if (arg === '--report') report = args[++i] ?? report;
      else if (arg === '--format') format = args[++i];
      else if (arg === '--patient') patient = args[++i];
      else if (arg.startsWith('--')) {
        console.error(`Unknown option ${arg}\n\n${importCommand.usage}`);
        return 2;
      } else paths.push(arg);
    }
    if (!paths.length) {
      console.error(importCommand.usage);
      return 2;
    }
    const reportPath = path.resolve(report);
    if (format !== undefined || patient !== undefined) return importPmactionFile(format, patient, paths, dryRun, reportPath);
    const checkpointPath = `${reportPath}.checkpoint.json`;
    if (restart) await import('node:fs').then((fs) => fs.rmSync(checkpointPath, { force: true }));
    const config = loadConfig();
    let summary;
    if (dryRun) {
      const validator = createValidator();
      summary = await importPaths(paths, new DryRunWriter(new WriteInteractions(validator, havenWriteHooks(validator))), { batchSize, reportPath });
    } else {
      // Synthea's patient Bundles are larger than an HTTP client's Bundle may be.
      const services = await openServices({ ...config, bundleMaxEntries: Number.MAX_SAFE_INTEGER, dbPoolSize: 2 });
      try {
        summary = await importPaths(paths, new StoreWriter(services), { batchSize, reportPath, checkpointPath });
      } finally {
        await services.db.close();
      }
    }
    const stored = Object.values(summary.stored).reduce((a, b) => a + b, 0);
    for (const problem of summary.problems) console.error(problem);
    console.log(
      `${dryRun ? 'valid' : 'stored'}: ${stored} resources${
        stored
          ? ` (${Object.entries(summary.stored)
              .sort()
              .map(([t, n]) => `${t} ${n}`)
              .join(', ')})`
          : ''
      }`,
    );
    console.log(`refused: ${summary.refused}${summary.refused ? ` (reasons in ${reportPath})` : ''}`);
    console.log(
      `${summary.files} files${summary.resumedFiles ? ` (${summary.resumedFiles} done by an earlier run)` : ''}, ${summary.seconds.toFixed(1)} s, ${Math.round(summary.perSecond)} resources/s`,
    );
    if (!dryRun) await import('node:fs').then((fs) => fs.rmSync(checkpointPath, { force: true }));
    return summary.refused || summary.problems.length ? 1 : 0;
  },
};

/** `--format pmaction`: one export file, as records of one existing Patient. */
async function importPmactionFile(
  format: string | undefined,
  patient: string | undefined,
  paths: string[],
  dryRun: boolean,
  reportPath: string,
): Promise<number> {
  if (format !== 'pmaction') {
    console.error(format === undefined ? '--patient goes with --format pmaction' : `Unknown --format ${format}: the one format is pmaction`);
    return 2;
  }
  if (!patient) {
    console.error('--format pmaction needs --patient ID: the Patient whose records the export holds');
    return 2;
  }
  if (paths.length !== 1) {
    console.error('--format pmaction reads one export file');
    return 2;
  }
  const services = await openServices({ ...loadConfig(), dbPoolSize: 2 });
  try {
    const summary = await importPmaction(paths[0], services, { patientId: patient, reportPath, dryRun });
    for (const line of summaryLines(summary, dryRun, reportPath)) console.log(line);
    return summary.refused ? 1 : 0;
  } catch (error) {
    if (!(error instanceof FhirError) || error.status !== 404) throw error;
    console.error(`--patient ${patient}: ${error.message}`);
    return 2;
  } finally {
    await services.db.close();
  }
}
