// Searches over a growing data set of vital signs: a patient's readings of one code since a date,
// 50 a page, alone and with their Patient (_include), at 10,000, 100,000 and (--scale full)
// 1,000,000 Observations of 1,000 patients. The baseline runs the same search hand-written on a
// hand-indexed table (bench/baseline/server.ts).
import { ensureObservations, patientId, SEARCH_FROM, VITALS } from '../lib/observations.js';
import type { RequestPlan } from '../lib/load.js';
import type { BenchContext, Scenario, ScenarioPlans } from './scenario.js';

const PATIENTS = 1000;

/** Data sets are 100 times smaller at --scale tiny (the test run). */
function size(ctx: BenchContext, observations: number): { observations: number; patients: number } {
  return ctx.scale === 'tiny' ? { observations: observations / 100, patients: PATIENTS / 100 } : { observations, patients: PATIENTS };
}

function searchPlans(ctx: BenchContext, patients: number, include: boolean): ScenarioPlans {
  const pick = () => {
    const p = patientId(Math.floor(Math.random() * patients));
    const code = VITALS[Math.floor(Math.random() * VITALS.length)].code;
    return { p, code };
  };
  const haven: RequestPlan = {
    method: 'GET',
    headers: ctx.havenHeaders,
    path: () => {
      const { p, code } = pick();
      return `/fhir/Observation?subject=Patient/${p}&code=${code}&date=ge${SEARCH_FROM}&_count=50${include ? '&_include=Observation:subject' : ''}`;
    },
  };
  const baseline: RequestPlan = {
    method: 'GET',
    path: () => {
      const { p, code } = pick();
      return `/baseline/search?subject=Patient/${p}&code=${code}&date=${SEARCH_FROM}&count=50${include ? '&include=1' : ''}`;
    },
  };
  return { haven, baseline };
}

function searchAt(name: string, observations: number, options: { goal?: number; include?: boolean; scaleStep?: boolean; onlyFull?: boolean } = {}): Scenario {
  return {
    name,
    goal: options.goal,
    scaleStep: options.scaleStep ? observations : undefined,
    onlyAtFullScale: options.onlyFull,
    async prepare(ctx) {
      const data = size(ctx, observations);
      ctx.log(`${name}: ${data.observations.toLocaleString('en')} Observations of ${data.patients} patients`);
      await ensureObservations(ctx.havenDb, ctx.db, ctx.runId, data.observations, data.patients, ctx.log);
      return searchPlans(ctx, data.patients, options.include ?? false);
    },
  };
}

export const search10k = searchAt('search-10k', 10_000, { scaleStep: true });
export const search = searchAt('search', 100_000, { goal: 0.5, scaleStep: true });
export const searchInclude = searchAt('search-include', 100_000, { include: true });
export const search1m = searchAt('search-1m', 1_000_000, { scaleStep: true, onlyFull: true });
