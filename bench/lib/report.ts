// The benchmark table: per scenario Haven's and the baseline's req/s, their ratio, latencies, errors.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/paths.js';
import type { LoadResult } from './load.js';

export interface ScenarioResult {
  scenario: string;
  haven: LoadResult;
  baseline: LoadResult;
  ratio: number;
  goal?: number;
  /** Search scale steps: how many Observations were searched. */
  scaleStep?: number;
  /** --compare: the base commit's Haven under the same load, and the baseline measured beside it. */
  base?: { haven: LoadResult; baseline: LoadResult; ratio: number };
}

export interface BenchReport {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string };
  options: { duration: number; connections: number; scale: string };
  /** --compare: which commit the base is, and its Haven's peak RSS. */
  compare?: { label: string; havenPeakRssMb?: number };
  results: ScenarioResult[];
  havenPeakRssMb?: number;
  notes: string[];
}

export function machine(): BenchReport['machine'] {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

export function formatTable(report: BenchReport): string {
  const header = ['scenario', 'Haven req/s', 'baseline req/s', 'ratio', 'goal', 'Haven p50 ms', 'Haven p99 ms', 'baseline p50 ms', 'errors'];
  const rows = report.results.map((r) => [
    r.scenario,
    r.haven.requestsPerSecond.toFixed(0),
    r.baseline.requestsPerSecond.toFixed(0),
    r.ratio.toFixed(2),
    r.goal === undefined ? '' : `>= ${r.goal}${r.ratio >= r.goal ? '' : ' (missed)'}`,
    r.haven.p50.toFixed(1),
    r.haven.p99.toFixed(1),
    r.baseline.p50.toFixed(1),
    `${r.haven.errors}/${r.baseline.errors}`,
  ]);
  return markdownTable(header, rows);
}

/** --compare: the base commit's table, the same columns as the working tree's. */
export function formatBaseTable(report: BenchReport): string {
  const results = report.results.flatMap((r) => (r.base ? [{ ...r, haven: r.base.haven, baseline: r.base.baseline, ratio: r.base.ratio }] : []));
  return formatTable({ ...report, results });
}

/**
 * --compare: per scenario the two ratios and their ratio (working tree's ratio over the base's:
 * above 1 the working tree is faster, relative to the baseline of its own moment), and the raw
 * req/s of the two Havens for reference.
 */
export function formatComparison(report: BenchReport): string {
  const header = [
    'scenario',
    'ratio (working tree)',
    'ratio (base)',
    'working / base',
    'Haven req/s (working)',
    'Haven req/s (base)',
    'p50 ms (working)',
    'p50 ms (base)',
  ];
  const rows = report.results.flatMap((r) =>
    r.base
      ? [
          [
            r.scenario,
            r.ratio.toFixed(2),
            r.base.ratio.toFixed(2),
            r.base.ratio > 0 ? (r.ratio / r.base.ratio).toFixed(2) : '',
            r.haven.requestsPerSecond.toFixed(0),
            r.base.haven.requestsPerSecond.toFixed(0),
            r.haven.p50.toFixed(1),
            r.base.haven.p50.toFixed(1),
          ],
        ]
      : [],
  );
  return markdownTable(header, rows);
}

/** The reference step of the scale table: the search goal's p50 at 1,000,000 is compared with this one. */
const REFERENCE_STEP = 100_000;

/**
 * How the search's p50 and req/s grow with the data set, against the step at 100,000 Observations
 * (goal: p50 at 1,000,000 at most 1.5 times that at 100,000). Empty without scale steps.
 */
export function formatScale(report: BenchReport): string {
  const steps = report.results.filter((r) => r.scaleStep !== undefined).sort((a, b) => (a.scaleStep as number) - (b.scaleStep as number));
  const reference = steps.find((r) => r.scaleStep === REFERENCE_STEP);
  if (!steps.length || !reference) return '';
  const header = ['Observations', 'Haven p50 ms', 'p50 vs 100,000', 'Haven req/s', 'req/s vs 100,000', 'baseline p50 ms', 'baseline req/s'];
  const rows = steps.map((r) => {
    const growth = reference.haven.p50 > 0 ? r.haven.p50 / reference.haven.p50 : 0;
    const goal = r.scaleStep === 1_000_000 ? ` (goal <= 1.5${growth <= 1.5 ? '' : ', missed'})` : '';
    return [
      (r.scaleStep as number).toLocaleString('en'),
      r.haven.p50.toFixed(1),
      `${growth.toFixed(2)}x${goal}`,
      r.haven.requestsPerSecond.toFixed(0),
      `${(reference.haven.requestsPerSecond > 0 ? r.haven.requestsPerSecond / reference.haven.requestsPerSecond : 0).toFixed(2)}x`,
      r.baseline.p50.toFixed(1),
      r.baseline.requestsPerSecond.toFixed(0),
    ];
  });
  return markdownTable(header, rows);
}

function markdownTable(header: string[], rows: string[][]): string {
  const lines = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function writeReport(report: BenchReport): string {
  const dir = path.join(packageRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2));
  return file;
}
