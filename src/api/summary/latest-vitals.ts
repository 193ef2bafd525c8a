// Latest vitals of a summary: for each measurement, the most recent value recorded in the window,
// with its time and the vitals record it came from. Pure.
import type { StoredRecord } from '../../mappers/fhir.js';
import type { Vitals } from '../../mappers/vitals.js';
import { instantOf, inWindow, type SummaryWindow } from '../../clinical/window.js';

export const VITAL_MEASUREMENTS = ['systolicBP', 'diastolicBP', 'heartRate', 'weightLb', 'oxygenSaturation', 'temperatureF'] as const;
export type VitalMeasurement = (typeof VITAL_MEASUREMENTS)[number];

export interface LatestValue {
  value: number;
  recordedAt: string;
  /** The vitals record (its panel Observation's id). */
  vitalsId: string;
}

/** Every measurement, null when the window has none of it. */
export type LatestVitals = Record<VitalMeasurement, LatestValue | null>;

export function latestVitals(records: ReadonlyArray<StoredRecord<Vitals>>, window: SummaryWindow): LatestVitals {
  const latest = Object.fromEntries(VITAL_MEASUREMENTS.map((m) => [m, null])) as LatestVitals;
  const newestFirst = records
    .filter((r) => inWindow(r.recordedAt, window))
    .sort((a, b) => (instantOf(b.recordedAt) as Date).getTime() - (instantOf(a.recordedAt) as Date).getTime() || a.id.localeCompare(b.id));
  for (const record of newestFirst) {
    for (const measurement of VITAL_MEASUREMENTS) {
      const value = record[measurement];
      if (value !== undefined && latest[measurement] === null) latest[measurement] = { value, recordedAt: record.recordedAt, vitalsId: record.id };
    }
  }
  return latest;
}
