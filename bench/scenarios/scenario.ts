// What a benchmark scenario is: data to load, and the same request against Haven and its baseline.
import type pg from 'pg';
import type { Database } from '../../src/store/db.js';
import type { RequestPlan } from '../lib/load.js';

/**
 * tiny: seconds of loading, for the test run; standard (the default): the search at 10,000 and
 * 100,000 Observations; full: also at 1,000,000 (minutes of loading).
 */
export type Scale = 'tiny' | 'standard' | 'full';
export const SCALES: readonly Scale[] = ['tiny', 'standard', 'full'];

export interface BenchContext {
  /** The benchmark database, where the baseline tables live beside Haven's. */
  db: pg.Pool;
  /** The same database through Haven's store layer (the data loader writes with Haven's own code). */
  havenDb: Database;
  /** Names this run (and so its database): data sets loaded so far are remembered per run. */
  runId: string;
  scale: Scale;
  havenUrl: string;
  /** Headers every request to Haven carries (authorization). */
  havenHeaders: Record<string, string>;
  /** A second Haven on a bench-only database without auditing (scenarios that compare against it). */
  unaudited?: HavenServer;
  log(message: string): void;
}

/** Where a Haven process answers, and the headers its requests carry. */
export interface HavenServer {
  url: string;
  headers: Record<string, string>;
}

export interface ScenarioPlans {
  haven: RequestPlan;
  baseline: RequestPlan;
}

export interface Scenario {
  name: string;
  /** The goal: Haven's req/s over the baseline's, at least this (from the benchmark issue). */
  goal?: number;
  /** For the search scale steps: the number of Observations searched (growth is reported against 100,000). */
  scaleStep?: number;
  /** Runs only at --scale full (or when named with --scenario). */
  onlyAtFullScale?: boolean;
  /**
   * What the scenario measures Haven against: the hand-written baseline server (default), or the
   * same Haven on a bench-only database without auditing (what the audit trail costs).
   */
  against?: 'baseline' | 'unaudited-haven';
  prepare(ctx: BenchContext): Promise<ScenarioPlans>;
}

/** Sends one request to Haven during preparation; throws on anything but 2xx. */
export function havenRequest(ctx: BenchContext, method: string, path: string, body?: unknown): Promise<unknown> {
  return serverRequest({ url: ctx.havenUrl, headers: ctx.havenHeaders }, method, path, body);
}

/** Sends one request to a Haven process during preparation; throws on anything but 2xx. */
export async function serverRequest(server: HavenServer, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...server.headers, ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

export function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}
