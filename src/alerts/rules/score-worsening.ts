// The shared shape of the two trajectory rules: a total at least `allowed` points above the
// previous total of the same instrument within 90 days; medium, high at or above a severe total.
import type { Measurement } from '../readings.js';
import type { ChangeInput, Finding } from './types.js';

export function worsening(
  input: ChangeInput,
  options: { instrument: string; display: string; allowed: number; severeAt: number; withinDays: number },
): Finding | undefined {
  const { current } = input;
  const since = Date.parse(current.at) - options.withinDays * 86_400_000;
  const previous = input.earlier
    .filter((r) => r.reference !== current.reference && Date.parse(r.at) < Date.parse(current.at) && Date.parse(r.at) >= since)
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
  if (!previous) return undefined;
  const rise = current.value - previous.value;
  const limit = input.allowed ?? options.allowed;
  if (rise < limit) return undefined;
  return {
    severity: current.value >= options.severeAt ? 'high' : 'medium',
    text: `${options.display}: ${options.instrument} total ${current.value}, ${rise} points above the previous ${previous.value} (≥ ${limit})`,
    evidence: [previous.reference, current.reference],
    at: current.at,
  };
}

export type ScoreMeasurement = Extract<Measurement, 'phq9' | 'gad7'>;
