// What a benchmark scenario is: data to load, and the same request against Haven and its baseline.
import type pg from 'pg';
import type { RequestPlan } from '../lib/load.js';

export type Scale = 'tiny' | 'full';

export interface BenchContext {
  /** The benchmark database, where the baseline tables live beside Haven's. */
  db: pg.Pool;
  scale: Scale;
  havenUrl: string;
  /** Headers every request to Haven carries (authorization). */
  havenHeaders: Record<string, string>;
  log(message: string): void;
}

export interface ScenarioPlans {
  haven: RequestPlan;
  baseline: RequestPlan;
}

export interface Scenario {
  name: string;
  /** The goal: Haven's req/s over the baseline's, at least this (from the benchmark issue). */
  goal?: number;
  prepare(ctx: BenchContext): Promise<ScenarioPlans>;
}

/** Sends one request to Haven during preparation; throws on anything but 2xx. */
export async function havenRequest(ctx: BenchContext, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${ctx.havenUrl}${path}`, {
    method,
    headers: { ...ctx.havenHeaders, ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

export function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}
