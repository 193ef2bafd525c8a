// One patient over a chosen window: scores, mood, vitals with alert limits, adherence, goals and
// alerts (with resolve). Every value comes from the signed-in person's own reads.
import { adherenceGrid } from '../charts/adherence';
import { timeChart, type ChartSpec } from '../charts/time-chart';
import { GAD7_BANDS, PHQ9_BANDS, vitalThresholds } from '../clinical';
import type { Assessment, CarePlan, DoseLog, HavenData, Medication, MoodEntry, Resource, Summary, Vitals } from '../data';
import { patientName } from '../data';
import { announce, formatDate, formatDateTime, h, replaceMain } from '../dom';

export const WINDOWS = [
  { key: '30', label: '30 days', days: 30 },
  { key: '90', label: '90 days', days: 90 },
  { key: '365', label: '1 year', days: 365 },
  { key: 'all', label: 'All', days: undefined },
] as const;

export async function patientPage(data: HavenData, patientId: string, windowKey: string, canResolve: boolean, showBack: boolean): Promise<void> {
  const window = WINDOWS.find((w) => w.key === windowKey) ?? WINDOWS[0];
  const now = new Date();
  const today = now.toISOString().slice(0, 10);
  const fromDay = window.days ? new Date(now.getTime() - (window.days - 1) * 86_400_000).toISOString().slice(0, 10) : undefined;
  let patient: Resource;
  try {
    patient = await data.patient(patientId);
  } catch {
    replaceMain(
      h('h1', {}, 'Patient not found'),
      h('p', { class: 'notice', 'data-state': 'not-visible' }, 'This patient is not known, or you may not see them.'),
      backLink(showBack),
    );
    return;
  }
  const pid = patient.id;
  const [assessments, mood, vitals, medications, carePlans, flags, goals, summary] = await Promise.all([
    data.records<Assessment>(pid, 'assessments', 'takenAt', fromDay),
    data.records<MoodEntry>(pid, 'mood-entries', 'recordedAt', fromDay),
    data.records<Vitals>(pid, 'vitals', 'recordedAt', fromDay),
    data.records<Medication>(pid, 'medications'),
    data.records<CarePlan>(pid, 'care-plans'),
    data.flags(pid),
    data.goals(pid),
    data.summary(pid, window.days ?? 365).catch(() => undefined),
  ]);
  const logs = new Map<string, DoseLog[]>();
  await Promise.all(
    medications.map(async (m) => logs.set(m.id, await data.records<DoseLog>(pid, `medications/${encodeURIComponent(m.id)}/logs`, 'takenAt', fromDay))),
  );
  const firstDay =
    fromDay ??
    earliestDay(
      [...logs.values()].flat().map((l) => l.takenAt),
      today,
    );
  // Every chart shows the same stretch of time, so the eye can line them up.
  const allTimes = [...assessments.map((a) => a.takenAt), ...mood.map((m) => m.recordedAt), ...vitals.map((v) => v.recordedAt)]
    .map(time)
    .filter(Number.isFinite);
  const xRange: [number, number] = [fromDay ? Date.parse(`${fromDay}T00:00:00Z`) : Math.min(now.getTime() - 7 * 86_400_000, ...allTimes), now.getTime()];
  const chart = (spec: ChartSpec) => timeChart({ ...spec, xRange });

  const name = patientName(patient);
  const windowNav = h('div', { class: 'window-picker', role: 'group', 'aria-label': 'Time window' });
  for (const w of WINDOWS) {
    windowNav.appendChild(
      h(
        'a',
        {
          href: `#/patient/${encodeURIComponent(pid)}?window=${w.key}`,
          class: 'button',
          'aria-current': w.key === window.key ? 'true' : undefined,
          'data-window': w.key,
        },
        w.label,
      ),
    );
  }
  const alertsSection = h('section', { id: 'alerts', 'aria-labelledby': 'alerts-heading' });
  const renderAlerts = (current: Resource[]) => {
    alertsSection.replaceChildren(
      h('h2', { id: 'alerts-heading' }, 'Alerts'),
      alertList(current, fromDay, canResolve, async (flag, button) => {
        button.disabled = true;
        button.textContent = 'Resolving…';
        try {
          await data.resolveFlag(flag.id);
          renderAlerts(await data.flags(pid));
          announce(`Alert resolved: ${flagText(flag)}`);
          (document.getElementById('alerts-heading') as HTMLElement | null)?.focus();
        } catch (error) {
          button.disabled = false;
          button.textContent = 'Resolve';
          announce(`The alert could not be resolved: ${(error as Error).message}`);
        }
      }),
    );
  };
  renderAlerts(flags);
  const thresholds = vitalThresholds(goals);
  replaceMain(
    backLink(showBack),
    h(
      'div',
      { class: 'patient-header' },
      h('h1', { 'data-patient-id': pid }, name),
      h('p', { class: 'demographics' }, [patient.gender, patient.birthDate ? `born ${formatDate(patient.birthDate)}` : ''].filter(Boolean).join(', ')),
      windowNav,
    ),
    alertsSection,
    h(
      'section',
      { 'aria-labelledby': 'scores-heading', class: 'chart-grid' },
      h('h2', { id: 'scores-heading' }, 'Depression and anxiety scores'),
      chart(
        assessmentChart(
          'phq9',
          'PHQ-9',
          assessments.filter((a) => a.type === 'PHQ-9'),
          PHQ9_BANDS,
          27,
        ),
      ),
      chart(
        assessmentChart(
          'gad7',
          'GAD-7',
          assessments.filter((a) => a.type === 'GAD-7'),
          GAD7_BANDS,
          21,
        ),
      ),
      chart(moodChart(mood)),
    ),
    h(
      'section',
      { 'aria-labelledby': 'vitals-heading', class: 'chart-grid' },
      h('h2', { id: 'vitals-heading' }, 'Vital signs'),
      chart(
        vitalChart(
          'bp',
          'Blood pressure',
          'mmHg',
          vitals,
          [
            { key: 'systolicBP', label: 'Systolic', stroke: '#1565c0' },
            { key: 'diastolicBP', label: 'Diastolic', stroke: '#00695c', dash: [6, 4] },
          ],
          thresholds.bp,
        ),
      ),
      chart(vitalChart('heart-rate', 'Heart rate', 'beats/min', vitals, [{ key: 'heartRate', label: 'Heart rate', stroke: '#c62828' }], thresholds.heartRate)),
      chart(vitalChart('weight', 'Weight', 'lb', vitals, [{ key: 'weightLb', label: 'Weight', stroke: '#4e342e' }], [])),
      chart(vitalChart('spo2', 'Oxygen saturation (SpO2)', '%', vitals, [{ key: 'oxygenSaturation', label: 'SpO2', stroke: '#283593' }], thresholds.spo2)),
    ),
    h(
      'section',
      { 'aria-labelledby': 'adherence-heading' },
      h('h2', { id: 'adherence-heading' }, 'Medications'),
      adherenceGrid(medications, logs, summary, firstDay, today),
    ),
    h('section', { 'aria-labelledby': 'goals-heading' }, h('h2', { id: 'goals-heading' }, 'Care plan goals'), goalList(carePlans)),
  );
  document.title = `${name}: Haven care-team dashboard`;
}

function backLink(show: boolean): HTMLElement | string {
  return show ? h('p', { class: 'back' }, h('a', { href: '#/' }, '← All patients')) : '';
}

function earliestDay(times: string[], today: string): string {
  const first = times.map((t) => t.slice(0, 10)).sort()[0];
  return first && first < today ? first : today;
}

const time = (iso: string) => Date.parse(iso);
const ascending = <T>(items: T[], at: (item: T) => string) => [...items].sort((a, b) => time(at(a)) - time(at(b)));

function assessmentChart(id: string, title: string, items: Assessment[], bands: typeof PHQ9_BANDS, max: number): ChartSpec {
  const sorted = ascending(items, (a) => a.takenAt);
  const latest = sorted[sorted.length - 1];
  const item9 = id === 'phq9';
  return {
    id,
    title,
    unit: `score 0–${max}`,
    x: sorted.map((a) => time(a.takenAt)),
    series: [{ label: `${title} score`, values: sorted.map((a) => a.score), stroke: '#1f2933', width: 2.5 }],
    bands,
    markers: item9 ? sorted.flatMap((a, index) => ((a.responses?.[8] ?? 0) > 0 ? [{ index, label: `item 9: ${a.responses[8]}` }] : [])) : [],
    yRange: [0, max + 1],
    describe: latest
      ? `${title}: ${sorted.length} scores; latest ${latest.score} (${latest.severity}) on ${formatDate(latest.takenAt)}.`
      : `${title}: no scores.`,
    table: {
      headers: ['Date', 'Score', 'Severity', ...(item9 ? ['Item 9'] : [])],
      rows: sorted.map((a) => [formatDate(a.takenAt), a.score, a.severity, ...(item9 ? [a.responses?.[8] ?? '–'] : [])]),
    },
    emptyText: `No ${title} in this window.`,
  };
}

/** Each entry, and the mean of the daily means of the 7 days ending with its day. */
function moodChart(entries: MoodEntry[]): ChartSpec {
  const sorted = ascending(entries, (e) => e.recordedAt);
  const daily = new Map<string, number[]>();
  for (const e of sorted) daily.set(e.recordedAt.slice(0, 10), [...(daily.get(e.recordedAt.slice(0, 10)) ?? []), e.overallMood]);
  const dayMean = new Map([...daily].map(([day, values]) => [day, values.reduce((s, v) => s + v, 0) / values.length]));
  const average = sorted.map((e) => {
    const end = Date.parse(`${e.recordedAt.slice(0, 10)}T00:00:00Z`);
    const means: number[] = [];
    for (let d = 0; d < 7; d++) {
      const mean = dayMean.get(new Date(end - d * 86_400_000).toISOString().slice(0, 10));
      if (mean !== undefined) means.push(mean);
    }
    return Math.round((means.reduce((s, v) => s + v, 0) / means.length) * 100) / 100;
  });
  const latest = sorted[sorted.length - 1];
  return {
    id: 'mood',
    title: 'Mood self-rating',
    unit: '1 worst – 10 best',
    x: sorted.map((e) => time(e.recordedAt)),
    series: [
      { label: 'Mood', values: sorted.map((e) => e.overallMood), stroke: '#6a1b9a', width: 1 },
      { label: '7-day average', values: average, stroke: '#1f2933', dash: [6, 4], width: 2.5 },
    ],
    yRange: [0, 10.5],
    describe: latest ? `Mood: ${sorted.length} entries; latest ${latest.overallMood}, 7-day average ${average[average.length - 1]}.` : 'Mood: no entries.',
    table: { headers: ['Date', 'Mood', '7-day average'], rows: sorted.map((e, i) => [formatDateTime(e.recordedAt), e.overallMood, average[i]]) },
    emptyText: 'No mood entries in this window.',
  };
}

type VitalKey = 'systolicBP' | 'diastolicBP' | 'heartRate' | 'weightLb' | 'oxygenSaturation';

function vitalChart(
  id: string,
  title: string,
  unit: string,
  vitals: Vitals[],
  series: Array<{ key: VitalKey; label: string; stroke: string; dash?: number[] }>,
  thresholds: ChartSpec['thresholds'],
): ChartSpec {
  const sorted = ascending(
    vitals.filter((v) => series.some((s) => typeof v[s.key] === 'number')),
    (v) => v.recordedAt,
  );
  const latest = sorted[sorted.length - 1];
  const latestText = latest ? series.map((s) => latest[s.key] ?? '–').join('/') : '';
  return {
    id,
    title,
    unit,
    x: sorted.map((v) => time(v.recordedAt)),
    series: series.map((s) => ({ label: s.label, values: sorted.map((v) => v[s.key] ?? null), stroke: s.stroke, dash: s.dash })),
    thresholds,
    describe: latest
      ? `${title}: ${sorted.length} readings; latest ${latestText} ${unit} on ${formatDate(latest.recordedAt)}.${thresholds?.length ? ` Alert limits drawn: ${thresholds.map((t) => t.label).join('; ')}.` : ''}`
      : `${title}: no readings.`,
    table: {
      headers: ['Date', ...series.map((s) => `${s.label} (${unit})`)],
      rows: sorted.map((v) => [formatDateTime(v.recordedAt), ...series.map((s) => v[s.key] ?? '–')]),
    },
    emptyText: `No ${title.toLowerCase()} readings in this window.`,
  };
}

export function flagText(flag: Resource): string {
  return flag.code?.text ?? flag.code?.coding?.find((c: { display?: string }) => c.display)?.display ?? flag.code?.coding?.[0]?.code ?? 'Alert';
}

function priorityOf(flag: Resource): string | undefined {
  const ext = (flag.extension ?? []).find((e: { url: string }) => e.url === 'http://hl7.org/fhir/StructureDefinition/flag-priority');
  return ext?.valueCodeableConcept?.coding?.[0]?.code ?? ext?.valueCodeableConcept?.text;
}

function alertList(
  flags: Resource[],
  fromDay: string | undefined,
  canResolve: boolean,
  resolve: (flag: Resource, button: HTMLButtonElement) => void,
): HTMLElement {
  const open = flags.filter((f) => f.status === 'active').sort((a, b) => String(b.period?.start ?? '').localeCompare(String(a.period?.start ?? '')));
  const recent = flags
    .filter((f) => f.status !== 'active' && (!fromDay || String(f.period?.end ?? f.meta?.lastUpdated ?? '').slice(0, 10) >= fromDay))
    .sort((a, b) => String(b.period?.end ?? '').localeCompare(String(a.period?.end ?? '')));
  const wrap = h('div', { class: 'alerts', 'data-open': open.length, 'data-recent': recent.length });
  wrap.appendChild(h('h3', {}, `Open (${open.length})`));
  if (!open.length) wrap.appendChild(h('p', { class: 'empty', id: 'no-open-alerts' }, 'No open alerts.'));
  const openList = h('ul', { class: 'alert-list open' });
  for (const flag of open) {
    const button = h(
      'button',
      { type: 'button', class: 'resolve', 'data-flag-id': flag.id, 'aria-label': `Resolve alert: ${flagText(flag)}` },
      'Resolve',
    ) as HTMLButtonElement;
    button.addEventListener('click', () => resolve(flag, button));
    const priority = priorityOf(flag);
    openList.appendChild(
      h(
        'li',
        { class: 'alert open', 'data-flag-id': flag.id },
        h('span', { class: 'alert-icon', 'aria-hidden': 'true' }, '⚠'),
        h(
          'span',
          { class: 'alert-text' },
          h('strong', {}, flagText(flag)),
          h('span', { class: 'alert-meta' }, ` raised ${formatDateTime(flag.period?.start)}`, priority ? ` · priority ${priority}` : ''),
        ),
        canResolve ? button : '',
      ),
    );
  }
  wrap.appendChild(openList);
  wrap.appendChild(h('h3', {}, `Resolved in this window (${recent.length})`));
  if (!recent.length) wrap.appendChild(h('p', { class: 'empty' }, 'None.'));
  const recentList = h('ul', { class: 'alert-list resolved' });
  for (const flag of recent.slice(0, 20)) {
    recentList.appendChild(
      h(
        'li',
        { class: 'alert resolved', 'data-flag-id': flag.id },
        h('span', { class: 'alert-icon', 'aria-hidden': 'true' }, '✓'),
        h(
          'span',
          { class: 'alert-text' },
          flagText(flag),
          h('span', { class: 'alert-meta' }, ` ${flag.status}${flag.period?.end ? ` ${formatDateTime(flag.period.end)}` : ''}`),
        ),
      ),
    );
  }
  wrap.appendChild(recentList);
  return wrap;
}

function goalList(plans: CarePlan[]): HTMLElement {
  const wrap = h('div', { class: 'goals', id: 'goals' });
  const goals = plans.flatMap((p) => (p.goals ?? []).map((g) => ({ plan: p, goal: g })));
  wrap.dataset.goals = String(goals.length);
  if (!goals.length) return (wrap.appendChild(h('p', { class: 'empty' }, 'No care plan goals.')), wrap);
  for (const plan of plans) {
    if (!plan.goals?.length) continue;
    const list = h('ul', { class: 'goal-list' });
    for (const goal of plan.goals) {
      const status = goal.status ?? 'unknown';
      list.appendChild(
        h(
          'li',
          { class: 'goal', 'data-status': status },
          h('span', { class: `status-badge status-${status.replace(/[^a-z-]/gi, '')}` }, status.replace(/-/g, ' ')),
          ' ',
          goal.description,
          goal.targetDate ? h('span', { class: 'goal-meta' }, ` · target ${formatDate(goal.targetDate)}`) : '',
        ),
      );
    }
    wrap.append(h('h3', {}, plan.title, plan.status ? h('span', { class: 'goal-meta' }, ` (${plan.status})`) : ''), list);
  }
  return wrap;
}

export type { Summary };
