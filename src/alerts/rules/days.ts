// Calendar days of readings, as the reading itself states them: the date part of its effective time
// (the patient's local day when the device or app sent its offset, else UTC).
import type { Reading } from '../readings.js';

export function dayOf(reading: Reading): string {
  return reading.at.slice(0, 10);
}

export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The first reading (by time) of each day. */
export function firstOfEachDay(readings: Reading[]): Map<string, Reading> {
  const first = new Map<string, Reading>();
  for (const r of [...readings].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) if (!first.has(dayOf(r))) first.set(dayOf(r), r);
  return first;
}

/** Whether `current` is the first reading of its day among `earlier` and itself. */
export function isFirstOfDay(current: Reading, earlier: Reading[]): boolean {
  const day = dayOf(current);
  return !earlier.some((r) => r.reference !== current.reference && dayOf(r) === day && Date.parse(r.at) < Date.parse(current.at));
}
