// Evaluating a threshold rule: the most severe tier any reading meets, and the patient's own limits
// replacing the limits of the rule's lowest tier (clinical-alerts.md §1.4: the top tier stays).
import type { Measurement, Reading } from '../readings.js';
import type { Condition, Finding, Op, PersonalLimits, ThresholdRule, Tier } from './types.js';

const UNITS: Record<Measurement, string> = {
  systolic: 'mmHg',
  diastolic: 'mmHg',
  heartRate: '/min',
  spo2: '%',
  temperature: '°F',
  weight: 'lb',
  phq9: 'points',
  gad7: 'points',
};

const LABELS: Record<Measurement, string> = {
  systolic: 'Systolic BP',
  diastolic: 'Diastolic BP',
  heartRate: 'Heart rate',
  spo2: 'SpO2',
  temperature: 'Temperature',
  weight: 'Weight',
  phq9: 'PHQ-9',
  gad7: 'GAD-7',
};

export function meets(value: number, op: Op, limit: number): boolean {
  // Rounded first, so that a converted 38.0 °C (100.39999… °F) meets ≥100.4 as the reading means.
  const v = Math.round(value * 1000) / 1000;
  switch (op) {
    case '<':
      return v < limit;
    case '<=':
      return v <= limit;
    case '>':
      return v > limit;
    case '>=':
      return v >= limit;
  }
}

/** The rule's tiers with the patient's limits in place of the lowest tier's (outside the range raises). */
export function personalTiers(tiers: Tier[], limits: PersonalLimits): Tier[] {
  if (!tiers.length) return tiers;
  const lowest = tiers[tiers.length - 1];
  const when = lowest.when.map((c): Condition => {
    const own = limits[c.measurement];
    if ((c.op === '<' || c.op === '<=') && own?.low !== undefined) return { measurement: c.measurement, op: '<', value: own.low };
    if ((c.op === '>' || c.op === '>=') && own?.high !== undefined) return { measurement: c.measurement, op: '>', value: own.high };
    return c;
  });
  return [...tiers.slice(0, -1), { ...lowest, when }];
}

export function tiersFor(rule: ThresholdRule, limits: PersonalLimits | undefined): Tier[] {
  if (!limits || !Object.keys(limits).length) return rule.tiers;
  return rule.personal ? rule.personal(limits) : personalTiers(rule.tiers, limits);
}

/** The finding of a threshold rule on the readings of one write, or undefined. */
export function evaluateThreshold(rule: ThresholdRule, readings: Reading[], limits?: PersonalLimits): Finding | undefined {
  const tiers = tiersFor(rule, limits);
  for (const tier of tiers) {
    const hits = readings.flatMap((r) => tier.when.filter((c) => c.measurement === r.measurement && meets(r.value, c.op, c.value)).map((c) => ({ r, c })));
    if (!hits.length) continue;
    const text = hits.map(({ r, c }) => `${LABELS[r.measurement]} ${format(r.value)} ${UNITS[r.measurement]} (${c.op} ${format(c.value)})`).join(', ');
    const evidence = [...new Set(readings.filter((r) => rule.measurements.includes(r.measurement)).map((r) => r.reference))];
    return { severity: tier.severity, text: `${rule.display}: ${text}`, evidence, at: hits[0].r.at };
  }
  return undefined;
}

export function format(value: number): string {
  return String(Math.round(value * 10) / 10);
}

export function label(measurement: Measurement): string {
  return LABELS[measurement];
}
