// Create, read, history and transactions: the paths every client uses.
import { randomUUID } from 'node:crypto';
import { heartRate, patient, vitalsTransaction } from '../lib/fixtures.js';
import { havenRequest, pick, serverRequest, type BenchContext, type HavenServer, type Scenario } from './scenario.js';

export const BENCH_PATIENT = 'bench-patient';

export async function ensurePatient(ctx: BenchContext): Promise<void> {
  await ensurePatientOn({ url: ctx.havenUrl, headers: ctx.havenHeaders });
}

/** The bench patient on a given Haven process (the audit-cost scenarios use two). */
export async function ensurePatientOn(server: HavenServer): Promise<void> {
  await serverRequest(server, 'PUT', `/fhir/Patient/${BENCH_PATIENT}`, patient(BENCH_PATIENT));
}

export const create: Scenario = {
  name: 'create',
  goal: 0.5,
  async prepare(ctx) {
    await ensurePatient(ctx);
    const body = () => JSON.stringify(heartRate(BENCH_PATIENT, new Date()));
    return {
      haven: { method: 'POST', path: '/fhir/Observation', body, headers: ctx.havenHeaders },
      baseline: { method: 'POST', path: '/baseline/resource', body },
    };
  },
};

export const read: Scenario = {
  name: 'read',
  goal: 0.8,
  async prepare(ctx) {
    await ensurePatient(ctx);
    const n = ctx.scale === 'tiny' ? 20 : 1000;
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const created = (await havenRequest(ctx, 'POST', '/fhir/Observation', heartRate(BENCH_PATIENT, new Date(Date.now() - i * 1000)))) as { id: string };
      ids.push(created.id);
      await ctx.db.query('INSERT INTO bench_resource (id, content) VALUES ($1, $2)', [created.id, JSON.stringify(created)]);
    }
    return {
      haven: { method: 'GET', path: () => `/fhir/Observation/${pick(ids)}`, headers: ctx.havenHeaders },
      baseline: { method: 'GET', path: () => `/baseline/resource/${pick(ids)}` },
    };
  },
};

export const history: Scenario = {
  name: 'history-100-versions',
  async prepare(ctx) {
    const versions = ctx.scale === 'tiny' ? 5 : 100;
    const id = `bench-history-${randomUUID()}`;
    for (let v = 1; v <= versions; v++) {
      const written = await havenRequest(ctx, 'PUT', `/fhir/Patient/${id}`, { ...patient(id), gender: v % 2 ? 'female' : 'male' });
      await ctx.db.query('INSERT INTO bench_history (id, version, content) VALUES ($1, $2, $3)', [id, v, JSON.stringify(written)]);
    }
    return {
      haven: { method: 'GET', path: `/fhir/Patient/${id}/_history?_count=100`, headers: ctx.havenHeaders },
      baseline: { method: 'GET', path: `/baseline/history/${id}` },
    };
  },
};

function transactionOf(size: number): Scenario {
  return {
    name: `transaction-${size}`,
    goal: size === 100 ? 0.5 : undefined,
    async prepare(ctx) {
      await ensurePatient(ctx);
      return {
        haven: { method: 'POST', path: '/fhir', body: () => vitalsTransaction(BENCH_PATIENT, size), headers: ctx.havenHeaders },
        baseline: {
          method: 'POST',
          path: '/baseline/transaction',
          body: () => JSON.stringify(Array.from({ length: size }, (_, i) => heartRate(BENCH_PATIENT, new Date(Date.now() - i * 60_000)))),
        },
      };
    },
  };
}

export const transaction10 = transactionOf(10);
export const transaction100 = transactionOf(100);
