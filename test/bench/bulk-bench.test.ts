// The bulk benchmark must not rot: a tiny run of import and export against COPY completes and
// reports both ratios. Speed is not asserted.
import t from 'tap';
import { formatBulkTable, runBulkBench } from '../../bench/bulk.js';

const databaseUrl = process.env.DATABASE_URL;

t.test('the bulk benchmark runs', { skip: !databaseUrl && 'the benchmark runs on PostgreSQL only (DATABASE_URL)' }, async (t) => {
  const rows = await runBulkBench({ databaseUrl: databaseUrl as string, resources: 200 });
  t.same(
    rows.map((r) => r.what),
    ['import', 'export'],
  );
  for (const row of rows) t.ok(row.haven > 0 && row.baseline > 0 && row.ratio > 0, `${row.what}: both measured`);
  t.match(formatBulkTable(rows), /\| import \|/);
});
