// One benchmark run: a fresh database, Haven and the baseline server in processes of their own,
// each scenario's data loaded, then the same load against both, alternately, in the same run.
import { drive } from './lib/load.js';
import { createBenchDatabase, type BenchDatabase } from './lib/database.js';
import { auditRemovalSql } from './lib/unaudited.js';
import { havenToken, startBaseline, startHaven, type Runner, type ServerProcess } from './lib/processes.js';
import { machine, type BenchReport, type ScenarioResult } from './lib/report.js';
import { openPostgres } from '../src/store/postgres.js';
import { defaultScenarios, scenarios as allScenarios } from './scenarios/index.js';
import type { BenchContext, Scale } from './scenarios/scenario.js';

export interface BenchOptions {
  databaseUrl: string;
  scenarios?: string[];
  duration: number;
  connections: number;
  scale: Scale;
  runner: Runner;
  keepDatabase?: boolean;
  log?: (message: string) => void;
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => undefined);
  const chosen = options.scenarios?.length ? allScenarios.filter((s) => options.scenarios?.includes(s.name)) : defaultScenarios(options.scale);
  const unknown = options.scenarios?.filter((name) => !allScenarios.some((s) => s.name === name)) ?? [];
  if (unknown.length) throw new Error(`Unknown scenario ${unknown.join(', ')}; known: ${allScenarios.map((s) => s.name).join(', ')}`);

  const startedAt = new Date().toISOString();
  const name = `haven_bench_${Date.now()}`;
  log(`creating database ${name}`);
  const database = await createBenchDatabase(options.databaseUrl, name);
  const env = { DATABASE_URL: database.url, DB_POOL_SIZE: '10' };
  const havenDb = await openPostgres(database.url, 2);
  const haven = await startHaven(options.runner, env);
  const baseline = await startBaseline(options.runner, env);
  const results: ScenarioResult[] = [];
  // The audit-cost scenarios compare Haven with itself on a bench-only database without auditing.
  let unaudited: { database: BenchDatabase; haven: ServerProcess } | undefined;
  try {
    const token = await havenToken(options.runner, haven, 'system/*.cruds');
    const ctx: BenchContext = { db: database.pool, havenDb, runId: name, scale: options.scale, havenUrl: haven.url, havenHeaders: { authorization: `Bearer ${token}` }, log };
    if (chosen.some((s) => s.against === 'unaudited-haven')) {
      log(`creating database ${name}_unaudited (auditing removed as docs/audit.md says)`);
      const unauditedDatabase = await createBenchDatabase(options.databaseUrl, `${name}_unaudited`, auditRemovalSql());
      unaudited = { database: unauditedDatabase, haven: await startHaven(options.runner, { ...env, DATABASE_URL: unauditedDatabase.url }) };
      const unauditedToken = await havenToken(options.runner, unaudited.haven, 'system/*.cruds');
      ctx.unaudited = { url: unaudited.haven.url, headers: { authorization: `Bearer ${unauditedToken}` } };
    }
    for (const scenario of chosen) {
      log(`${scenario.name}: loading data`);
      const plans = await scenario.prepare(ctx);
      // Warm both up briefly (JIT, pools, caches), then measure.
      const warm = { duration: Math.min(2, options.duration), connections: options.connections };
      await drive(haven.url, plans.haven, warm);
      const baselineUrl = scenario.against === 'unaudited-haven' ? (ctx.unaudited?.url as string) : baseline.url;
      await drive(baselineUrl, plans.baseline, warm);
      log(`${scenario.name}: driving Haven`);
      const havenResult = await drive(haven.url, plans.haven, options);
      log(`${scenario.name}: driving the ${scenario.against === 'unaudited-haven' ? 'unaudited Haven' : 'baseline'}`);
      const baselineResult = await drive(baselineUrl, plans.baseline, options);
      const ratio = baselineResult.requestsPerSecond > 0 ? havenResult.requestsPerSecond / baselineResult.requestsPerSecond : 0;
      log(`${scenario.name}: Haven ${havenResult.requestsPerSecond.toFixed(0)} req/s (p50 ${havenResult.p50} ms), baseline ${baselineResult.requestsPerSecond.toFixed(0)} req/s (p50 ${baselineResult.p50} ms), ratio ${ratio.toFixed(2)}`);
      results.push({ scenario: scenario.name, haven: havenResult, baseline: baselineResult, ratio, goal: scenario.goal, scaleStep: scenario.scaleStep });
    }
    return { startedAt, machine: machine(), options: { duration: options.duration, connections: options.connections, scale: options.scale }, results, havenPeakRssMb: haven.peakRssMb(), notes: [] };
  } finally {
    await haven.stop();
    await baseline.stop();
    await unaudited?.haven.stop();
    await havenDb.close();
    if (!options.keepDatabase) {
      await database.drop();
      await unaudited?.database.drop();
    }
  }
}
