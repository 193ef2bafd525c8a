// Medication adherence per medication by day: a grid of days in which each cell says in a symbol
// (not colour alone) whether the day's doses were taken (✓), partly taken (◐), missed (✗) or not
// logged (·), with the counts in its title, and a sentence per medication.
import type { DoseLog, Medication, Summary } from '../data';
import { h } from '../dom';

/** Days shown one by one; longer windows show their most recent days. */
export const MAX_GRID_DAYS = 120;

export function adherenceGrid(
  medications: Medication[],
  logs: Map<string, DoseLog[]>,
  summary: Summary | undefined,
  fromDay: string,
  today: string,
): HTMLElement {
  const section = h('figure', { class: 'chart adherence', id: 'chart-adherence', 'data-chart': 'adherence', 'aria-labelledby': 'adherence-title' });
  section.appendChild(h('figcaption', { id: 'adherence-title' }, h('span', { class: 'chart-title' }, 'Medication adherence by day')));
  const active = medications.filter((m) => m.active !== false);
  section.dataset.medications = String(active.length);
  if (!active.length) {
    section.appendChild(h('p', { class: 'empty' }, 'No active medications.'));
    return section;
  }
  // From the window's start, or the first medication's start when that is later.
  const starts = active
    .map((m) => m.startDate)
    .filter((d): d is string => !!d)
    .sort();
  const firstStart = starts.length === active.length ? starts[0] : undefined;
  let days = dayRange(firstStart && firstStart > fromDay ? firstStart : fromDay, today);
  if (days.length > MAX_GRID_DAYS) days = days.slice(-MAX_GRID_DAYS);
  section.appendChild(
    h(
      'p',
      { class: 'chart-key-text' },
      '✓ all doses taken · ◐ some taken · ✗ missed or skipped · blank: nothing logged',
      days.length === MAX_GRID_DAYS ? ` (last ${MAX_GRID_DAYS} days)` : '',
    ),
  );
  const scroller = h('div', { class: 'grid-scroll', tabindex: 0, role: 'region', 'aria-label': 'Adherence grid, scrolls sideways' });
  const table = h('table', { class: 'adherence-grid' });
  const headRow = h('tr', {}, h('th', { scope: 'col' }, 'Medication'));
  for (const day of days) headRow.appendChild(h('th', { scope: 'col', class: 'day', title: day }, day.slice(8)));
  table.appendChild(h('thead', {}, headRow));
  const body = h('tbody');
  for (const medication of active) {
    const perDay = summary?.medicationAdherence.find((a) => a.medicationId === medication.id)?.dosesPerDay ?? null;
    const byDay = new Map<string, { taken: number; missed: number }>();
    for (const log of logs.get(medication.id) ?? []) {
      const day = log.takenAt.slice(0, 10);
      const entry = byDay.get(day) ?? { taken: 0, missed: 0 };
      if (log.status === 'taken') entry.taken++;
      else entry.missed++;
      byDay.set(day, entry);
    }
    const expected = Math.max(1, Math.ceil(perDay ?? 1));
    let taken = 0;
    let missed = 0;
    const row = h(
      'tr',
      { 'data-medication': medication.id },
      h('th', { scope: 'row' }, medication.name, medication.dosage ? h('span', { class: 'dose' }, ` ${medication.dosage}`) : ''),
    );
    for (const day of days) {
      const entry = byDay.get(day);
      taken += entry?.taken ?? 0;
      missed += entry?.missed ?? 0;
      const [symbol, word] = !entry
        ? ['', 'nothing logged']
        : entry.taken >= expected
          ? ['✓', 'taken']
          : entry.taken > 0
            ? ['◐', 'partly taken']
            : ['✗', 'missed'];
      row.appendChild(
        h(
          'td',
          {
            class: `dose-${word.replace(/\s+/g, '-')}`,
            'data-day': day,
            'data-taken': entry?.taken ?? 0,
            'data-missed': entry?.missed ?? 0,
            title: `${day}: ${word} (${entry?.taken ?? 0} of ${expected})`,
          },
          symbol,
        ),
      );
    }
    row.dataset.taken = String(taken);
    row.dataset.missed = String(missed);
    body.appendChild(row);
  }
  table.appendChild(body);
  scroller.appendChild(table);
  section.appendChild(scroller);
  // The newest days are the ones that matter: start scrolled to the right end.
  requestAnimationFrame(() => (scroller.scrollLeft = scroller.scrollWidth));
  const list = h('ul', { class: 'adherence-summary' });
  for (const a of summary?.medicationAdherence ?? []) {
    list.appendChild(
      h(
        'li',
        { 'data-medication': a.medicationId },
        `${a.name}: ${a.taken} doses taken`,
        a.expected !== null ? ` of ${a.expected} expected` : '',
        a.adherence !== null ? ` (${Math.round(a.adherence * 100)}%)` : '',
      ),
    );
  }
  section.appendChild(list);
  return section;
}

export function dayRange(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}
