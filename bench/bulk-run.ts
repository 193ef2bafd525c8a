// npm run bench:bulk [-- --resources N]: import and export throughput against COPY (bench/bulk.ts).
import { parseArgs } from 'node:util';
import { formatBulkTable, runBulkBench } from './bulk.js';

const { values } = parseArgs({ options: { resources: { type: 'string', default: '20000' } } });
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('The bulk benchmark needs a PostgreSQL server (DATABASE_URL) and psql on the PATH.');
  process.exit(2);
}
const rows = await runBulkBench({ databaseUrl, resources: Number(values.resources), log: (m) => console.error(`[bench:bulk] ${m}`) });
console.log(formatBulkTable(rows));
