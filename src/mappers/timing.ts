// Reads the structure out of a medication's free-text frequency ("twice daily", "every 8 hours")
// and time of day ("08:00, 20:00"), so that Timing.repeat carries it for EHRs and for adherence.
// The free text stays the source of truth: what is not understood simply adds no structure.
import type { TimingRepeat } from '@medplum/fhirtypes';

type PeriodUnit = NonNullable<TimingRepeat['periodUnit']>;

export interface Frequency {
  frequency: number;
  period: number;
  periodUnit: PeriodUnit;
}

const COUNTS: Record<string, number> = { once: 1, twice: 2, thrice: 3, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6 };
const UNITS: Record<string, PeriodUnit> = { hour: 'h', day: 'd', week: 'wk', month: 'mo' };
const ABBREVIATIONS: Record<string, Frequency> = {
  qd: { frequency: 1, period: 1, periodUnit: 'd' },
  od: { frequency: 1, period: 1, periodUnit: 'd' },
  bid: { frequency: 2, period: 1, periodUnit: 'd' },
  tid: { frequency: 3, period: 1, periodUnit: 'd' },
  qid: { frequency: 4, period: 1, periodUnit: 'd' },
  qod: { frequency: 1, period: 2, periodUnit: 'd' },
};

/** Times per period of a frequency phrase, or undefined when it is not one Haven reads. */
export function parseFrequency(text: string): Frequency | undefined {
  const phrase = text.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\.$/, '');
  if (phrase in ABBREVIATIONS) return ABBREVIATIONS[phrase];
  if (phrase === 'daily' || phrase === 'every day') return { frequency: 1, period: 1, periodUnit: 'd' };
  if (phrase === 'weekly' || phrase === 'every week') return { frequency: 1, period: 1, periodUnit: 'wk' };
  if (phrase === 'every other day') return { frequency: 1, period: 2, periodUnit: 'd' };
  // "every 8 hours", "every 2 days"
  const every = /^every (\d{1,3}) (hour|day|week|month)s?$/.exec(phrase);
  if (every && Number(every[1]) > 0) return { frequency: 1, period: Number(every[1]), periodUnit: UNITS[every[2]] };
  // "twice daily", "3 times a day", "once per week", "2x day"
  const times =
    /^(once|twice|thrice|(?:one|two|three|four|five|six|\d{1,2})(?: ?x| times?))(?: (?:a|per|each|every))? ?(day|daily|week|weekly|month|monthly)$/.exec(
      phrase,
    );
  if (!times) return undefined;
  const countWord = times[1].replace(/ ?x$| times?$/, '');
  const frequency = COUNTS[countWord] ?? Number(countWord);
  if (!Number.isInteger(frequency) || frequency < 1) return undefined;
  return { frequency, period: 1, periodUnit: UNITS[times[2].replace(/ly$/, '').replace(/^dai$/, 'day')] };
}

/** "08:00, 20:00" -> ["08:00:00", "20:00:00"]; undefined unless every part is a 24-hour time. */
export function parseTimesOfDay(text: string): string[] | undefined {
  const parts = text.split(/\s*(?:,|;|\band\b)\s*/).filter((p) => p !== '');
  if (!parts.length) return undefined;
  const times: string[] = [];
  for (const part of parts) {
    const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(part.trim());
    if (!match) return undefined;
    times.push(`${match[1].padStart(2, '0')}:${match[2]}:00`);
  }
  return times;
}
