// The benchmark code must not rot: every scenario runs for three seconds on a tiny data set (a transaction of 100,
// now with alert and subscription hooks, can outlast one second on a busy machine) and both Haven and its
// baseline answer without errors. Speed is not asserted here (see bench/).
import t from 'tap';
import { runBench } from '../../bench/bench.js';
import { formatScale, formatTable } from '../../bench/lib/report.js';
import { defaultScenarios } from '../../bench/scenarios/index.js';

const databaseUrl = process.env.DATABASE_URL;

t.test(
  'every benchmark scenario runs against Haven and its baseline without errors',
  { skip: !databaseUrl && 'the benchmark runs on PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const report = await runBench({ databaseUrl: databaseUrl as string, duration: 3, connections: 2, scale: 'tiny', runner: 'tsx' });
    t.same(
      report.results.map((r) => r.scenario),
      defaultScenarios('tiny').map((s) => s.name),
      'every scenario ran',
    );
    for (const result of report.results) {
      t.ok(result.haven.total > 0, `${result.scenario}: Haven answered`);
      t.ok(result.baseline.total > 0, `${result.scenario}: the baseline answered`);
      t.equal(result.haven.errors, 0, `${result.scenario}: no Haven errors`);
      t.equal(result.baseline.errors, 0, `${result.scenario}: no baseline errors`);
      t.ok(result.ratio > 0, `${result.scenario}: a ratio`);
    }
    t.match(formatTable(report), /\| create +\|/);
    t.match(formatScale(report), /\| 10,000 +\|/, 'the search scale table');
    t.ok(report.havenPeakRssMb === undefined || report.havenPeakRssMb > 0);
  },
);
