// Medication adherence: for each active medication, the doses logged as taken over the doses its
// frequency expects on the days it was active within the window. Pure. The patient summary reports
// it and the adherence-low alert rule raises on it, so both read one computation.
//
// Rules (docs/api-summary.md says the same to clients):
// - A medication counts when its record is active (status active, or completed once its end date
//   passed) and its start..end dates (UTC days; open ends are open) meet the window; stopped ones
//   are left out. Its active days are the window's days within start..end, today included.
// - Doses a day come from the frequency phrase as the medication mapper reads it (timing.ts): "twice
//   daily" 2, "every 8 hours" 3, "every other day" 0.5, "weekly" 1/7; a month counts as 30 days. A
//   phrase Haven does not read ("as needed") expects nothing: expected and adherence are null.
// - Expected doses = active days x doses a day, rounded up (the first dose is due on the first
//   day: "weekly" over 8 days expects 2).
// - Only logs with status taken count; missed and skipped are reported beside, never as taken.
// - Caps: taken doses count at most ceil(doses a day) per day (at least 1), so that extra doses
//   one day do not make up for a missed one; the ratio is at most 1.
import type { StoredRecord } from '../mappers/fhir.js';
import type { Medication } from '../mappers/medication.js';
import type { MedicationLog } from '../mappers/medication-log.js';
import { parseFrequency } from '../mappers/timing.js';
import { dayRange, instantOf, round, utcDay, type SummaryWindow } from './window.js';

/** Decimals of the adherence ratio. */
const PLACES = 4;
/** Floating-point slack before rounding expected doses up (0.1 x 30 is not exactly 3). */
const EPSILON = 1e-9;
const DAYS_PER_UNIT: Record<string, number> = { h: 1 / 24, d: 1, wk: 7, mo: 30 };

export interface MedicationAdherence {
  medicationId: string;
  name: string;
  frequency: string | null;
  /** Doses a day the frequency expects; null when it is not a phrase Haven reads. */
  dosesPerDay: number | null;
  /** First and last active day within the window (YYYY-MM-DD, UTC). */
  activeFrom: string;
  activeTo: string;
  activeDays: number;
  expected: number | null;
  /** Logs with status taken on the active days. */
  taken: number;
  /** Of those, the ones counted after the per-day cap. */
  takenCounted: number;
  missed: number;
  skipped: number;
  /** takenCounted / expected, at most 1, 4 decimals; null when nothing is expected. */
  adherence: number | null;
}

export type LoggedDose = StoredRecord<MedicationLog & { medicationId?: string }>;

/** Doses a day of a frequency phrase, or undefined when it is not one Haven reads. */
export function dosesPerDay(frequency: string | undefined): number | undefined {
  const parsed = frequency === undefined ? undefined : parseFrequency(frequency);
  const days = parsed ? DAYS_PER_UNIT[parsed.periodUnit] : undefined;
  return parsed && days !== undefined ? parsed.frequency / (parsed.period * days) : undefined;
}

export function medicationAdherence(
  medications: ReadonlyArray<StoredRecord<Medication>>,
  logs: readonly LoggedDose[],
  window: SummaryWindow,
): MedicationAdherence[] {
  const result: MedicationAdherence[] = [];
  for (const medication of medications) {
    if (!medication.active) continue;
    const activeFrom = maxDay(window.dates[0], medication.startDate ? firstDay(medication.startDate) : undefined);
    const activeTo = minDay(window.dates[window.dates.length - 1], medication.endDate ? lastDay(medication.endDate) : undefined);
    const days = dayRange(activeFrom, activeTo);
    if (!days.length) continue;
    result.push(
      adherenceOf(
        medication,
        logs.filter((l) => l.medicationId === medication.id),
        activeFrom,
        activeTo,
        days.length,
        window,
      ),
    );
  }
  return result.sort((a, b) => a.name.localeCompare(b.name) || a.medicationId.localeCompare(b.medicationId));
}

function adherenceOf(
  medication: StoredRecord<Medication>,
  logs: readonly LoggedDose[],
  activeFrom: string,
  activeTo: string,
  activeDays: number,
  window: SummaryWindow,
): MedicationAdherence {
  const perDay = dosesPerDay(medication.frequency);
  const counts = { taken: 0, missed: 0, skipped: 0 };
  const takenByDay = new Map<string, number>();
  for (const log of logs) {
    const at = instantOf(log.takenAt);
    if (!at || at > window.to) continue;
    const day = utcDay(at);
    if (day < activeFrom || day > activeTo) continue;
    counts[log.status]++;
    if (log.status === 'taken') takenByDay.set(day, (takenByDay.get(day) ?? 0) + 1);
  }
  const cap = perDay === undefined ? Infinity : Math.max(1, Math.ceil(perDay - EPSILON));
  const takenCounted = [...takenByDay.values()].reduce((total, n) => total + Math.min(n, cap), 0);
  const expected = perDay === undefined ? null : Math.ceil(activeDays * perDay - EPSILON);
  return {
    medicationId: medication.id,
    name: medication.name,
    frequency: medication.frequency ?? null,
    dosesPerDay: perDay === undefined ? null : round(perDay, PLACES),
    activeFrom,
    activeTo,
    activeDays,
    expected,
    ...counts,
    takenCounted,
    adherence: expected ? round(Math.min(1, takenCounted / expected), PLACES) : null,
  };
}

/** The first day of a FHIR date or dateTime ("2024", "2024-05", "2024-05-01", "2024-05-01T08:00:00Z"). */
function firstDay(value: string): string {
  return value.length >= 10 ? value.slice(0, 10) : `${value}-01-01`.slice(0, 10);
}

/** The last day of a FHIR date or dateTime. */
function lastDay(value: string): string {
  if (value.length >= 10) return value.slice(0, 10);
  if (value.length === 4) return `${value}-12-31`;
  const [year, month] = value.split('-').map(Number);
  return utcDay(new Date(Date.UTC(year, month, 0)));
}

function maxDay(day: string, other: string | undefined): string {
  return other !== undefined && other > day ? other : day;
}

function minDay(day: string, other: string | undefined): string {
  return other !== undefined && other < day ? other : day;
}
