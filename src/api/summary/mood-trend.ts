// Mood trend of a summary: the mean overallMood of each UTC calendar day of the window and its
// 7-day moving average. Pure: mood entries and the window in, numbers out.
import type { MoodEntry } from '../../mappers/mood-entry.js';
import { addDays, instantOf, round, utcDay, type SummaryWindow } from '../../clinical/window.js';

/** Days a moving average spans: the day itself and the six before it. */
export const MOVING_AVERAGE_DAYS = 7;
/** Windows up to a year (and a leap day) have daily points; longer ones weekly. */
export const DAILY_POINTS_MAX = 366;
/** Decimals of the means reported (the ratings themselves are whole numbers 1-10). */
const PLACES = 2;

export interface MoodDay {
  date: string;
  /** Entries recorded that day. */
  entries: number;
  /** Mean overallMood of the day's entries; null on a day without entries. */
  mean: number | null;
  /**
   * Mean of the daily means of the 7 days ending with this one (days before the window count
   * too), over the days that have entries; null when none of the 7 has any.
   */
  movingAverage7: number | null;
}

export interface MoodTrend {
  /** Entries recorded in the window. */
  entries: number;
  /** Mean overallMood of all the window's entries; null without any. */
  mean: number | null;
  /**
   * Every day of the window, oldest first, days without entries included; one point per 7 days
   * when the window is longer than a year (resolution "week").
   */
  days: MoodDay[];
  /** Present ("week") when `days` holds weekly points. */
  resolution?: 'week';
}

type MoodPoint = Pick<MoodEntry, 'recordedAt' | 'overallMood'>;

/** The first instant whose entries the trend reads: six days before the window, for the averages. */
export function moodLookbackStart(window: SummaryWindow): Date {
  return new Date(`${addDays(window.dates[0], -(MOVING_AVERAGE_DAYS - 1))}T00:00:00.000Z`);
}

export function moodTrend(entries: readonly MoodPoint[], window: SummaryWindow): MoodTrend {
  const lookback = moodLookbackStart(window);
  const byDay = new Map<string, number[]>();
  for (const entry of entries) {
    const at = instantOf(entry.recordedAt);
    if (!at || at < lookback || at > window.to) continue;
    const day = utcDay(at);
    byDay.set(day, [...(byDay.get(day) ?? []), entry.overallMood]);
  }
  const dailyMean = (day: string): number | undefined => {
    const values = byDay.get(day);
    return values ? sum(values) / values.length : undefined;
  };
  const days = window.dates.map((date): MoodDay => {
    const mean = dailyMean(date);
    const recent: number[] = [];
    for (let back = 0; back < MOVING_AVERAGE_DAYS; back++) {
      const value = dailyMean(addDays(date, -back));
      if (value !== undefined) recent.push(value);
    }
    return {
      date,
      entries: byDay.get(date)?.length ?? 0,
      mean: mean === undefined ? null : round(mean, PLACES),
      movingAverage7: recent.length ? round(sum(recent) / recent.length, PLACES) : null,
    };
  });
  const inWindow = window.dates.flatMap((date) => byDay.get(date) ?? []);
  const trend = { entries: inWindow.length, mean: inWindow.length ? round(sum(inWindow) / inWindow.length, PLACES) : null };
  if (window.dates.length <= DAILY_POINTS_MAX) return { ...trend, days };
  return { ...trend, resolution: 'week', days: weekly(days, byDay) };
}

/**
 * Past a year the trend is one point per 7 days (oldest first, the last ending today), so the
 * answer stays small: `date` is the first day of the week, `entries` and `mean` are of the week's
 * entries, and movingAverage7 is the 7-day average of its last day.
 */
function weekly(days: MoodDay[], byDay: Map<string, number[]>): MoodDay[] {
  const weeks: MoodDay[] = [];
  for (let end = days.length; end > 0; end -= MOVING_AVERAGE_DAYS) {
    const week = days.slice(Math.max(0, end - MOVING_AVERAGE_DAYS), end);
    const values = week.flatMap((d) => byDay.get(d.date) ?? []);
    weeks.unshift({
      date: week[0].date,
      entries: values.length,
      mean: values.length ? round(sum(values) / values.length, PLACES) : null,
      movingAverage7: week[week.length - 1].movingAverage7,
    });
  }
  return weeks;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
