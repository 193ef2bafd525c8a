// `npm run bench -- --compare BASE_REF` must not rot: a commit checked out beside the working tree
// runs against the same database, both Havens answer the same load without errors, the report
// carries both ratios, and the checkout is gone afterwards. Speed is not asserted (see bench/).
import { existsSync } from 'node:fs';
import t from 'tap';
import { runBench } from '../../bench/bench.js';
import { checkoutBase } from '../../bench/lib/base-build.js';
import { formatBaseTable, formatComparison, formatTable } from '../../bench/lib/report.js';

const databaseUrl = process.env.DATABASE_URL;

t.test(
  '--compare runs a base commit beside the working tree on the same database',
  { skip: !databaseUrl && 'the benchmark runs on PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const base = await checkoutBase('HEAD', 'tsx', () => undefined);
    t.teardown(() => base.remove());
    t.ok(existsSync(`${base.root}/src/main.ts`), 'the commit is checked out');
    const report = await runBench({
      databaseUrl: databaseUrl as string,
      scenarios: ['read', 'audit-cost-create'],
      duration: 1,
      connections: 2,
      scale: 'tiny',
      runner: 'tsx',
      compare: base,
    });
    t.match(report.compare, { label: /^HEAD \([0-9a-f]{10}\)$/ });
    for (const result of report.results) {
      t.ok(result.haven.total > 0 && result.base && result.base.haven.total > 0, `${result.scenario}: both Havens answered`);
      t.equal(result.haven.errors, 0, `${result.scenario}: no errors from the working tree`);
      t.equal(result.base?.haven.errors, 0, `${result.scenario}: no errors from the base (its own token, same data)`);
      t.equal(result.base?.baseline.errors, 0, `${result.scenario}: no errors from the base's baseline`);
      t.ok((result.base?.ratio ?? 0) > 0, `${result.scenario}: a base ratio`);
    }
    t.match(formatTable(report), /\| read +\|/);
    t.match(formatBaseTable(report), /\| audit-cost-create +\|/);
    t.match(formatComparison(report), /\| read +\| \d+\.\d\d +\| \d+\.\d\d +\| \d+\.\d\d +\|/, 'the ratio of the ratios');
    await base.remove();
    t.notOk(existsSync(base.root), 'the checkout is removed');
  },
);

t.test('--compare refuses what is not a commit', async (t) => {
  await t.rejects(
    checkoutBase('no-such-ref-anywhere', 'tsx', () => undefined),
    /not a commit/,
  );
});
