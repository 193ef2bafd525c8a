// The summary's numbers, computed by the pure functions from records: mood daily means and 7-day
// moving averages, medication adherence, assessment changes, open flags. Every expected value is
// worked out by hand in the comments, not by the code under test.
import type { Flag } from '@medplum/fhirtypes';
import t from 'tap';
import { dosesPerDay, medicationAdherence, type LoggedDose } from '../../src/clinical/adherence.js';
import { latestAssessments } from '../../src/api/summary/assessments.js';
import { latestVitals } from '../../src/api/summary/latest-vitals.js';
import { moodTrend } from '../../src/api/summary/mood-trend.js';
import { openRiskFlags } from '../../src/api/summary/risk-flags.js';
import { summaryWindow } from '../../src/clinical/window.js';
import { parseDays } from '../../src/api/summary-routes.js';
import { assessmentFromFhir, assessmentResponse, validateAssessment } from '../../src/mappers/assessment.js';
import type { StoredRecord } from '../../src/mappers/fhir.js';
import type { Medication } from '../../src/mappers/medication.js';
import type { DoseStatus } from '../../src/mappers/medication-log.js';

// Seven days, 2024-06-04 .. 2024-06-10 (UTC), computed at 15:00 on the last.
const now = new Date('2024-06-10T15:00:00Z');
const week = summaryWindow(7, now);

t.test('the window: whole UTC days, the last one today, ending now', async (t) => {
  t.equal(week.from.toISOString(), '2024-06-04T00:00:00.000Z');
  t.equal(week.to.toISOString(), '2024-06-10T15:00:00.000Z');
  t.strictSame(week.dates, ['2024-06-04', '2024-06-05', '2024-06-06', '2024-06-07', '2024-06-08', '2024-06-09', '2024-06-10']);
  t.strictSame(summaryWindow(1, now).dates, ['2024-06-10']);
  t.equal(summaryWindow(30, new Date('2024-03-01T00:00:00Z')).from.toISOString(), '2024-02-01T00:00:00.000Z', 'over a leap day');
});

t.test('days: 1 to 3650 (ten years), 30 by default, anything else a 400 naming days', async (t) => {
  t.equal(parseDays(undefined), 30);
  t.equal(parseDays('1'), 1);
  t.equal(parseDays('365'), 365);
  t.equal(parseDays('3650'), 3650);
  const refusal = (value: string | string[]) => {
    try {
      parseDays(value);
      return undefined;
    } catch (error) {
      return error;
    }
  };
  for (const bad of ['0', '3651', '-1', '1.5', 'abc', '', ' 7', '1e2', '0x10', ['7', '8']]) {
    t.match(refusal(bad), { status: 400, issues: [{ expression: ['days'] }] }, JSON.stringify(bad));
  }
});

t.test('mood: mean per UTC day and the 7-day moving average of the daily means', async (t) => {
  const entries = [
    ['2024-05-28T12:00:00Z', 1], // before the 6 look-back days: never counted
    ['2024-05-29T08:00:00Z', 4], // look-back day (first of the 7 ending 06-04)
    ['2024-06-03T20:00:00Z', 6], // look-back day
    ['2024-06-04T09:00:00Z', 7],
    ['2024-06-04T21:00:00Z', 8], // 06-04: (7 + 8) / 2 = 7.5
    ['2024-06-06T23:30:00-02:00', 3], // 06-07T01:30Z: a UTC day, not the writer's local one
    ['2024-06-07T10:00:00Z', 5], // 06-07: (3 + 5) / 2 = 4
    ['2024-06-08T07:00:00Z', 2],
    ['2024-06-08T12:00:00Z', 3],
    ['2024-06-08T18:00:00Z', 3], // 06-08: 8 / 3 = 2.666.. -> 2.67
    ['2024-06-10T14:59:00Z', 9], // 06-10: 9
    ['2024-06-10T15:00:01Z', 1], // after now: left out
  ].map(([recordedAt, overallMood]) => ({ recordedAt: recordedAt as string, overallMood: overallMood as number }));
  const trend = moodTrend(entries, week);
  // Window entries: 7, 8, 3, 5, 2, 3, 3, 9 = 40 over 8.
  t.equal(trend.entries, 8);
  t.equal(trend.mean, 5);
  t.strictSame(
    trend.days.map((d) => [d.date, d.entries, d.mean, d.movingAverage7]),
    [
      ['2024-06-04', 2, 7.5, 5.83], // 4, 6, 7.5 -> 17.5 / 3
      ['2024-06-05', 0, null, 6.75], // 6, 7.5
      ['2024-06-06', 0, null, 6.75], // 6, 7.5
      ['2024-06-07', 2, 4, 5.83], // 6, 7.5, 4
      ['2024-06-08', 3, 2.67, 5.04], // 6, 7.5, 4, 8/3 -> 20.1667 / 4 = 5.0417
      ['2024-06-09', 0, null, 5.04], // the same four days
      ['2024-06-10', 1, 9, 5.79], // 7.5, 4, 8/3, 9 -> 23.1667 / 4 = 5.7917
    ],
  );
  const empty = moodTrend([], week);
  t.equal(empty.mean, null);
  t.ok(empty.days.every((d) => d.mean === null && d.movingAverage7 === null && d.entries === 0));
});

t.test('latest vitals: the newest value of each measurement in the window', async (t) => {
  const vitals = [
    { id: 'old', recordedAt: '2024-06-01T08:00:00Z', heartRate: 50, weightLb: 180, fhir: [] }, // before the window
    { id: 'v1', recordedAt: '2024-06-05T08:00:00Z', systolicBP: 130, diastolicBP: 85, heartRate: 70, fhir: [] },
    { id: 'v2', recordedAt: '2024-06-09T08:00:00Z', heartRate: 64, oxygenSaturation: 97, fhir: [] },
    { id: 'late', recordedAt: '2024-06-10T16:00:00Z', heartRate: 99, fhir: [] }, // after now
  ];
  t.strictSame(latestVitals(vitals, week), {
    systolicBP: { value: 130, recordedAt: '2024-06-05T08:00:00Z', vitalsId: 'v1' },
    diastolicBP: { value: 85, recordedAt: '2024-06-05T08:00:00Z', vitalsId: 'v1' },
    heartRate: { value: 64, recordedAt: '2024-06-09T08:00:00Z', vitalsId: 'v2' },
    weightLb: null,
    oxygenSaturation: { value: 97, recordedAt: '2024-06-09T08:00:00Z', vitalsId: 'v2' },
    temperatureF: null,
  });
});

t.test('doses a day from the frequency phrases the medication mapper reads', async (t) => {
  t.equal(dosesPerDay('daily'), 1);
  t.equal(dosesPerDay('twice daily'), 2);
  t.equal(dosesPerDay('BID'), 2);
  t.equal(dosesPerDay('3 times a day'), 3);
  t.equal(dosesPerDay('every 8 hours'), 3);
  t.equal(dosesPerDay('every other day'), 0.5);
  t.equal(dosesPerDay('weekly'), 1 / 7);
  t.equal(dosesPerDay('once a month'), 1 / 30);
  t.equal(dosesPerDay('as needed'), undefined);
  t.equal(dosesPerDay(undefined), undefined);
});

t.test('adherence: taken over expected on the active days of the window', async (t) => {
  const med = (id: string, name: string, fields: Partial<Medication>): StoredRecord<Medication> => ({ id, name, active: true, ...fields, fhir: [] });
  const medications = [
    med('a', 'Sertraline', { frequency: 'twice daily' }),
    med('b', 'Metoprolol', { frequency: 'daily', startDate: '2024-06-07' }), // started mid-window
    med('c', 'Stopped', { frequency: 'daily', active: false }),
    med('d', 'Aspirin', { frequency: 'every other day', endDate: '2024-06-06' }), // ended mid-window
    med('e', 'Lorazepam', { frequency: 'as needed' }),
    med('f', 'Future', { frequency: 'daily', startDate: '2024-06-11' }),
    med('g', 'Past', { frequency: 'daily', startDate: '2024-05-01', endDate: '2024-06-03' }),
  ];
  let n = 0;
  const log = (medicationId: string, takenAt: string, status: DoseStatus = 'taken'): LoggedDose => ({ id: `l${++n}`, medicationId, takenAt, status, fhir: [] });
  const twiceOn = (day: string) => [log('a', `${day}T08:00:00Z`), log('a', `${day}T20:00:00Z`)];
  const logs = [
    log('a', '2024-06-03T08:00:00Z'), // before the window
    ...twiceOn('2024-06-04'),
    ...twiceOn('2024-06-05'),
    ...twiceOn('2024-06-06'),
    log('a', '2024-06-06T22:00:00Z'), // a third dose on 06-06: capped at 2 that day
    ...twiceOn('2024-06-07'),
    ...twiceOn('2024-06-08'),
    log('a', '2024-06-09T08:00:00Z'),
    log('a', '2024-06-09T20:00:00Z', 'skipped'),
    log('a', '2024-06-10T08:00:00Z'),
    log('a', '2024-06-10T09:00:00Z', 'missed'),
    log('a', '2024-06-10T16:00:00Z'), // after now
    log('b', '2024-06-05T08:00:00Z'), // before its start date: not an active day
    log('b', '2024-06-07T08:00:00Z'),
    log('b', '2024-06-08T08:00:00Z'),
    log('b', '2024-06-09T08:00:00Z', 'missed'),
    log('b', '2024-06-10T08:00:00Z', 'skipped'),
    log('c', '2024-06-08T08:00:00Z'),
    log('d', '2024-06-04T08:00:00Z'),
    log('d', '2024-06-08T08:00:00Z'), // after its end date
    log('e', '2024-06-06T23:00:00Z'),
    log('x', '2024-06-06T23:00:00Z'), // a medication not in the list
  ];
  const result = medicationAdherence(medications, logs, week);
  t.strictSame(
    result.map((m) => m.medicationId),
    ['d', 'e', 'b', 'a'],
    'active ones only, by name: Aspirin, Lorazepam, Metoprolol, Sertraline',
  );
  const byId = Object.fromEntries(result.map((m) => [m.medicationId, m]));
  // 7 days x 2 = 14 expected; taken 2+2+3+2+2+1+1 = 13, counted 2+2+2+2+2+1+1 = 12; 12/14 = 0.857142..
  t.strictSame(byId.a, {
    medicationId: 'a',
    name: 'Sertraline',
    frequency: 'twice daily',
    dosesPerDay: 2,
    activeFrom: '2024-06-04',
    activeTo: '2024-06-10',
    activeDays: 7,
    expected: 14,
    taken: 13,
    takenCounted: 12,
    missed: 1,
    skipped: 1,
    adherence: 0.8571,
  });
  // Active 06-07..06-10: 4 days, 4 expected, 2 taken (missed and skipped are not taken): 0.5.
  t.match(byId.b, {
    activeFrom: '2024-06-07',
    activeTo: '2024-06-10',
    activeDays: 4,
    expected: 4,
    taken: 2,
    takenCounted: 2,
    missed: 1,
    skipped: 1,
    adherence: 0.5,
  });
  // Active 06-04..06-06: 3 days x 0.5 = 1.5, rounded up to 2 expected; 1 taken.
  t.match(byId.d, { activeFrom: '2024-06-04', activeTo: '2024-06-06', activeDays: 3, dosesPerDay: 0.5, expected: 2, taken: 1, adherence: 0.5 });
  t.match(byId.e, { dosesPerDay: null, expected: null, taken: 1, adherence: null }, 'a phrase Haven does not read expects nothing');

  const perfect = medicationAdherence(
    [med('a', 'Sertraline', { frequency: 'daily' })],
    [...twiceOn('2024-06-04'), ...twiceOn('2024-06-05')],
    summaryWindow(1, new Date('2024-06-05T23:00:00Z')),
  );
  t.match(perfect[0], { activeDays: 1, expected: 1, taken: 2, takenCounted: 1, adherence: 1 }, 'never above 1');
});

t.test('assessments: the latest of each instrument in the window and the change since the one before', async (t) => {
  let n = 0;
  const assessment = (type: 'PHQ-9' | 'GAD-7', responses: number[], takenAt: string) =>
    assessmentFromFhir([assessmentResponse(validateAssessment({ type, responses, takenAt }, now), { patientId: 'p', id: `qr${++n}` })]);
  const phq9 = (total: number, takenAt: string) =>
    assessment(
      'PHQ-9',
      [3, 3, 3, 3, 3, 3, 3, 3, 3].map((_, i) => Math.max(0, Math.min(3, total - 3 * i))),
      takenAt,
    );
  const records = [
    phq9(15, '2024-05-01T09:00:00Z'),
    phq9(10, '2024-06-05T09:00:00Z'),
    phq9(6, '2024-06-08T09:00:00Z'),
    phq9(27, '2024-06-10T16:00:00Z'), // after now
    assessment('GAD-7', [1, 1, 1, 1, 1, 1, 1], '2024-06-06T09:00:00Z'),
  ];
  t.strictSame(latestAssessments(records, week), {
    phq9: {
      assessmentId: 'qr3',
      score: 6,
      severity: 'mild',
      takenAt: '2024-06-08T09:00:00Z',
      previous: { assessmentId: 'qr2', score: 10, severity: 'moderate', takenAt: '2024-06-05T09:00:00Z' },
      change: -4,
    },
    gad7: { assessmentId: 'qr5', score: 7, severity: 'mild', takenAt: '2024-06-06T09:00:00Z', previous: null, change: null },
  });
  const earlier = summaryWindow(7, new Date('2024-06-06T00:00:00Z')); // 05-31 .. 06-06
  t.match(
    latestAssessments(records, earlier).phq9,
    { assessmentId: 'qr2', change: -5, previous: { assessmentId: 'qr1', score: 15 } },
    'the previous one may be older than the window',
  );
  t.strictSame(latestAssessments(records, summaryWindow(7, new Date('2024-05-30T00:00:00Z'))), { phq9: null, gad7: null }, 'none in the window');
});

t.test('risk flags: active ones whose period has not ended', async (t) => {
  const flag = (id: string, status: Flag['status'], period: Flag['period']): Flag => ({
    resourceType: 'Flag',
    id,
    status,
    code: { coding: [{ system: 'http://snomed.info/sct', code: '225444004' }], text: 'Positive PHQ-9 item 9: suicide-risk follow-up needed' },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'safety' }] }],
    subject: { reference: 'Patient/p' },
    period,
  });
  const flags = openRiskFlags(
    [
      flag('older', 'active', { start: '2024-06-01T10:00:00Z' }),
      flag('newer', 'active', { start: '2024-06-09T10:00:00+02:00' }),
      flag('closed', 'inactive', { start: '2024-06-09T10:00:00Z' }),
      flag('ended', 'active', { start: '2024-06-02T10:00:00Z', end: '2024-06-03T10:00:00Z' }),
    ],
    now,
  );
  t.strictSame(
    flags.map((f) => f.flagId),
    ['newer', 'older'],
  );
  t.strictSame(flags[0], {
    flagId: 'newer',
    text: 'Positive PHQ-9 item 9: suicide-risk follow-up needed',
    code: [{ system: 'http://snomed.info/sct', code: '225444004' }],
    category: ['safety'],
    since: '2024-06-09T10:00:00+02:00',
    details: [],
  });
});
