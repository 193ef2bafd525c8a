// The period a summary (or a scheduled alert rule) covers: `days` whole calendar days in UTC, the
// last of them today, ending now. UTC rather than the patient's zone because a record's time
// carries only the offset of the device that wrote it, which changes when the patient travels; UTC
// days are the same for every reader of the summary and for every record.

export const DAY_MS = 86_400_000;

export interface SummaryWindow {
  days: number;
  /** Start of the first day (00:00:00 UTC). */
  from: Date;
  /** The moment the summary was computed: records after it are left out. */
  to: Date;
  /** The window's calendar days as YYYY-MM-DD, oldest first. */
  dates: string[];
}

export function summaryWindow(days: number, now: Date): SummaryWindow {
  const today = utcDay(now);
  const first = addDays(today, -(days - 1));
  return { days, from: new Date(`${first}T00:00:00.000Z`), to: now, dates: dayRange(first, today) };
}

/** The UTC calendar day (YYYY-MM-DD) of an instant. */
export function utcDay(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** The instant of a FHIR date or dateTime, or undefined when it is none. */
export function instantOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}

/** Whether a record's time falls in the window (both ends included). */
export function inWindow(value: string | undefined, window: SummaryWindow): boolean {
  const at = instantOf(value);
  return at !== undefined && at >= window.from && at <= window.to;
}

export function addDays(day: string, count: number): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00.000Z`) + count * DAY_MS));
}

/** Every day from `first` to `last`, both included; empty when last is before first. */
export function dayRange(first: string, last: string): string[] {
  const days: string[] = [];
  for (let day = first; day <= last; day = addDays(day, 1)) days.push(day);
  return days;
}

/** Rounded to `places` decimals, as the summary reports means and ratios. */
export function round(value: number, places: number): number {
  const factor = 10 ** places;
  return Math.round(value * factor) / factor;
}
