// `haven import PATH...`: load NDJSON files, Bundles and folders of them (Synthea output) through
// the server's own write path. The import itself lives in src/bulk/import/.
import path from 'node:path';
import { importPaths } from '../bulk/import/importer.js';
import { DryRunWriter, StoreWriter } from '../bulk/import/writers.js';
import { loadConfig } from '../config.js';
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
    '',
    'Reads .ndjson/.jsonl files (one resource a line), .json files (a Bundle: transaction, batch or',
    'collection; or one resource) and folders of them. Every resource goes through the same',
    'validation, conditional references, index, after-write hooks and audit as a POST: NDJSON in',
    'batches (one transaction each; a refused line is refused alone), a transaction Bundle whole.',
    'Resources with an id keep it (PUT). Synthea\'s hospitalInformation and practitionerInformation',
    'files are loaded first.',
    '',
    '  --dry-run        validate only; nothing is stored and no database is opened',
    '  --batch-size N   resources per NDJSON batch (default 100)',
    '  --report FILE    where refusals are written, one JSON a line (default haven-import-report.ndjson)',
    '  --restart        ignore the checkpoint of an interrupted run and start again',
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
    console.log(`${dryRun ? 'valid' : 'stored'}: ${stored} resources${stored ? ` (${Object.entries(summary.stored).sort().map(([t, n]) => `${t} ${n}`).join(', ')})` : ''}`);
    console.log(`refused: ${summary.refused}${summary.refused ? ` (reasons in ${reportPath})` : ''}`);
    console.log(`${summary.files} files${summary.resumedFiles ? ` (${summary.resumedFiles} done by an earlier run)` : ''}, ${summary.seconds.toFixed(1)} s, ${Math.round(summary.perSecond)} resources/s`);
    if (!dryRun) await import('node:fs').then((fs) => fs.rmSync(checkpointPath, { force: true }));
    return summary.refused || summary.problems.length ? 1 : 0;
  },
};
