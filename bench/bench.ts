// One benchmark run: a fresh database, Haven and the baseline server in processes of their own,
// each scenario's data loaded, then the same load against both, alternately, in the same run.
// With `compare` (npm run bench -- --compare BASE_REF), a second Haven built from another commit
// runs against the same database and is driven with the same load beside the first.
import path from 'node:path';
import { drive, type LoadResult, type RequestPlan } from './lib/load.js';
import { createBenchDatabase, type BenchDatabase } from './lib/database.js';
import { auditRemovalSql } from './lib/unaudited.js';
import { havenToken, startBaseline, startHaven, type Runner, type ServerProcess } from './lib/processes.js';
import { machine, type BenchReport, type ScenarioResult } from './lib/report.js';
import { openPostgres } from '../src/store/postgres.js';
import { defaultScenarios, scenarios as allScenarios } from './scenarios/index.js';
import type { BenchContext, HavenServer, Scale } from './scenarios/scenario.js';

export interface BenchOptions {
  databaseUrl: string;
  scenarios?: string[];
  duration: number;
  connections: number;
  scale: Scale;
  runner: Runner;
  keepDatabase?: boolean;
  /** A checked-out and built base commit (bench/lib/base-build.ts) to measure beside the working tree. */
  compare?: { root: string; label: string };
  log?: (message: string) => void;
}

/** A Haven process and the headers its requests carry (its own token: the issuer names its port). */
interface Started {
  process: ServerProcess;
  server: HavenServer;
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => undefined);
  const chosen = options.scenarios?.length ? allScenarios.filter((s) => options.scenarios?.includes(s.name)) : defaultScenarios(options.scale);
  const unknown = options.scenarios?.filter((name) => !allScenarios.some((s) => s.name === name)) ?? [];
  if (unknown.length) throw new Error(`Unknown scenario ${unknown.join(', ')}; known: ${allScenarios.map((s) => s.name).join(', ')}`);
  const compare = options.compare;
  // The base migrates the database first (it refuses a database newer than it knows); the working
  // tree's Haven then applies whatever migrations it adds on its own start.
  const migrations = compare ? path.join(compare.root, 'migrations') : undefined;

  const startedAt = new Date().toISOString();
  const name = `haven_bench_${Date.now()}`;
  log(`creating database ${name}`);
  const database = await createBenchDatabase(options.databaseUrl, name, undefined, migrations);
  const env = { DATABASE_URL: database.url, DB_POOL_SIZE: '10' };
  const havenDb = await openPostgres(database.url, 2);
  const processes: ServerProcess[] = [];
  const launch = async (root: string | undefined, databaseUrl: string): Promise<Started> => {
    const started = await startHaven(options.runner, { ...env, DATABASE_URL: databaseUrl }, root);
    processes.push(started);
    const token = await havenToken(options.runner, started, 'system/*.cruds');
    return { process: started, server: { url: started.url, headers: { authorization: `Bearer ${token}` } } };
  };
  let unauditedDatabase: BenchDatabase | undefined;
  const results: ScenarioResult[] = [];
  try {
    const base = compare ? await launch(compare.root, database.url) : undefined;
    const haven = await launch(undefined, database.url);
    const baseline = await startBaseline(options.runner, env);
    processes.push(baseline);
    const ctx: BenchContext = {
      db: database.pool,
      havenDb,
      runId: name,
      scale: options.scale,
      havenUrl: haven.server.url,
      havenHeaders: haven.server.headers,
      log,
    };
    // The audit-cost scenarios compare Haven with itself on a bench-only database without auditing.
    let unaudited: { haven: Started; base?: Started } | undefined;
    if (chosen.some((s) => s.against === 'unaudited-haven')) {
      log(`creating database ${name}_unaudited (auditing removed as docs/audit.md says)`);
      unauditedDatabase = await createBenchDatabase(options.databaseUrl, `${name}_unaudited`, auditRemovalSql(), migrations);
      const unauditedBase = compare ? await launch(compare.root, unauditedDatabase.url) : undefined;
      unaudited = { haven: await launch(undefined, unauditedDatabase.url), base: unauditedBase };
      ctx.unaudited = unaudited.haven.server;
    }
    for (const [index, scenario] of chosen.entries()) {
      log(`${scenario.name}: loading data`);
      const plans = await scenario.prepare(ctx);
      const againstHaven = scenario.against === 'unaudited-haven';
      const baselineUrl = againstHaven ? (unaudited?.haven.server.url as string) : baseline.url;
      // The base is driven with the working tree's plans, its own token in place of the working tree's.
      const basePlans = base && {
        haven: onServer(plans.haven, base.server),
        baseline: againstHaven ? onServer(plans.baseline, unaudited?.base?.server as HavenServer) : plans.baseline,
        baselineUrl: againstHaven ? (unaudited?.base?.server.url as string) : baseline.url,
      };
      // Warm each up briefly (JIT, pools, caches), then measure.
      const warm = { duration: Math.min(2, options.duration), connections: options.connections };
      await drive(haven.server.url, plans.haven, warm);
      if (base && basePlans) await drive(base.server.url, basePlans.haven, warm);
      await drive(baselineUrl, plans.baseline, warm);
      if (basePlans && againstHaven) await drive(basePlans.baselineUrl, basePlans.baseline, warm);

      const measure = async (label: string, url: string, plan: RequestPlan) => {
        log(`${scenario.name}: driving ${label}`);
        return drive(url, plan, options);
      };
      const baselineLabel = againstHaven ? 'the unaudited Haven' : 'the baseline';
      let havenResult: LoadResult;
      let baselineResult: LoadResult;
      let baseResult: { haven: LoadResult; baseline: LoadResult } | undefined;
      if (base && basePlans) {
        // Alternate who goes first, so that a load rising or falling during the run weighs on both.
        const runWorking = async () => ({
          haven: await measure('Haven', haven.server.url, plans.haven),
          baseline: await measure(baselineLabel, baselineUrl, plans.baseline),
        });
        const runBase = async () => ({
          haven: await measure(`Haven at ${compare?.label}`, base.server.url, basePlans.haven),
          // The baseline is measured again beside the base, so each ratio carries the load of its own moment.
          baseline: await measure(againstHaven ? `the unaudited Haven at ${compare?.label}` : baselineLabel, basePlans.baselineUrl, basePlans.baseline),
        });
        let working;
        if (index % 2 === 0) {
          working = await runWorking();
          baseResult = await runBase();
        } else {
          baseResult = await runBase();
          working = await runWorking();
        }
        havenResult = working.haven;
        baselineResult = working.baseline;
      } else {
        havenResult = await measure('Haven', haven.server.url, plans.haven);
        baselineResult = await measure(baselineLabel, baselineUrl, plans.baseline);
      }
      const ratio = ratioOf(havenResult, baselineResult);
      log(
        `${scenario.name}: Haven ${havenResult.requestsPerSecond.toFixed(0)} req/s (p50 ${havenResult.p50} ms), baseline ${baselineResult.requestsPerSecond.toFixed(0)} req/s (p50 ${baselineResult.p50} ms), ratio ${ratio.toFixed(2)}`,
      );
      const result: ScenarioResult = {
        scenario: scenario.name,
        haven: havenResult,
        baseline: baselineResult,
        ratio,
        goal: scenario.goal,
        scaleStep: scenario.scaleStep,
      };
      if (baseResult) {
        result.base = { haven: baseResult.haven, baseline: baseResult.baseline, ratio: ratioOf(baseResult.haven, baseResult.baseline) };
        log(
          `${scenario.name}: at ${compare?.label} ratio ${result.base.ratio.toFixed(2)}; working tree over base ${(result.base.ratio > 0 ? ratio / result.base.ratio : 0).toFixed(2)}`,
        );
      }
      results.push(result);
    }
    return {
      startedAt,
      machine: machine(),
      options: { duration: options.duration, connections: options.connections, scale: options.scale },
      ...(compare ? { compare: { label: compare.label, havenPeakRssMb: base?.process.peakRssMb() } } : {}),
      results,
      havenPeakRssMb: haven.process.peakRssMb(),
      notes: [],
    };
  } finally {
    for (const started of processes.reverse()) await started.stop();
    await havenDb.close();
    if (!options.keepDatabase) {
      await database.drop();
      await unauditedDatabase?.drop();
    }
  }
}

function ratioOf(haven: LoadResult, baseline: LoadResult): number {
  return baseline.requestsPerSecond > 0 ? haven.requestsPerSecond / baseline.requestsPerSecond : 0;
}

/** The same requests, with another Haven's authorization. */
function onServer(plan: RequestPlan, server: HavenServer): RequestPlan {
  return { ...plan, headers: { ...plan.headers, ...server.headers } };
}
