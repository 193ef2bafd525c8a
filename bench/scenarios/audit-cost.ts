// What the audit trail costs: the create and read workloads of basic.ts against Haven as deployed
// and against the same Haven on a bench-only database whose auditing is removed (docs/audit.md),
// in the same run. Their ratio is Haven-with-audit over Haven-without.
import { heartRate } from '../lib/fixtures.js';
import { BENCH_PATIENT, ensurePatientOn } from './basic.js';
import { pick, serverRequest, type BenchContext, type HavenServer, type Scenario } from './scenario.js';

function servers(ctx: BenchContext): { audited: HavenServer; unaudited: HavenServer } {
  if (!ctx.unaudited) throw new Error('the audit-cost scenarios need the unaudited Haven (bench/bench.ts starts it)');
  return { audited: { url: ctx.havenUrl, headers: ctx.havenHeaders }, unaudited: ctx.unaudited };
}

async function ensurePatients(both: HavenServer[]): Promise<void> {
  for (const server of both) await ensurePatientOn(server);
}

export const auditCostCreate: Scenario = {
  name: 'audit-cost-create',
  against: 'unaudited-haven',
  async prepare(ctx) {
    const { audited, unaudited } = servers(ctx);
    await ensurePatients([audited, unaudited]);
    const body = () => JSON.stringify(heartRate(BENCH_PATIENT, new Date()));
    return {
      haven: { method: 'POST', path: '/fhir/Observation', body, headers: audited.headers },
      baseline: { method: 'POST', path: '/fhir/Observation', body, headers: unaudited.headers },
    };
  },
};

export const auditCostRead: Scenario = {
  name: 'audit-cost-read',
  against: 'unaudited-haven',
  async prepare(ctx) {
    const { audited, unaudited } = servers(ctx);
    await ensurePatients([audited, unaudited]);
    const n = ctx.scale === 'tiny' ? 20 : 1000;
    const ids = Array.from({ length: n }, (_v, i) => `bench-audit-read-${i}`);
    // The same resources under the same ids on both.
    for (const [i, id] of ids.entries()) {
      const observation = { ...heartRate(BENCH_PATIENT, new Date(Date.now() - i * 1000)), id };
      for (const server of [audited, unaudited]) await serverRequest(server, 'PUT', `/fhir/Observation/${id}`, observation);
    }
    return {
      haven: { method: 'GET', path: () => `/fhir/Observation/${pick(ids)}`, headers: audited.headers },
      baseline: { method: 'GET', path: () => `/fhir/Observation/${pick(ids)}`, headers: unaudited.headers },
    };
  },
};
