// The patient list: the signed-in clinician's patients through their care teams, each with open
// alerts, latest PHQ-9 and GAD-7 with severity, latest blood pressure and 30-day adherence, sorted
// by what needs attention first.
import { SEVERITY_RANK } from '../clinical';
import type { HavenData, Resource, Summary } from '../data';
import { patientName } from '../data';
import { formatDate, h, replaceMain } from '../dom';

interface Row {
  patient: Resource;
  summary?: Summary;
  attention: number;
  reasons: string[];
}

export async function patientsPage(data: HavenData, fhirUser: string | undefined): Promise<void> {
  const patients = await data.careTeamPatients(fhirUser);
  const rows: Row[] = await Promise.all(
    patients.map(async (patient) => {
      const summary = await data.summary(patient.id, 30).catch(() => undefined);
      return { patient, summary, ...attentionOf(summary) };
    }),
  );
  rows.sort((a, b) => b.attention - a.attention || patientName(a.patient).localeCompare(patientName(b.patient)));
  const table = h('table', { class: 'patient-list', id: 'patient-list', 'data-count': rows.length });
  table.appendChild(h('caption', {}, `Your care teams' patients (${rows.length}), those needing attention first`));
  table.appendChild(
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Patient', 'Open alerts', 'PHQ-9', 'GAD-7', 'Blood pressure', 'Adherence (30 days)', 'Needs attention because'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
      ),
    ),
  );
  const body = h('tbody');
  for (const row of rows) {
    const s = row.summary;
    const alerts = s?.riskFlags.length ?? 0;
    const sys = s?.latestVitals.systolicBP;
    const dia = s?.latestVitals.diastolicBP;
    const adherence = averageAdherence(s);
    body.appendChild(
      h(
        'tr',
        { 'data-patient-id': row.patient.id, 'data-attention': row.attention },
        h('th', { scope: 'row' }, h('a', { href: `#/patient/${encodeURIComponent(row.patient.id)}` }, patientName(row.patient))),
        h('td', { class: alerts ? 'alert-count has-alerts' : 'alert-count' }, alerts ? `⚠ ${alerts}` : '0'),
        h('td', {}, score(s?.assessments.phq9)),
        h('td', {}, score(s?.assessments.gad7)),
        h('td', {}, sys && dia ? `${sys.value}/${dia.value} mmHg (${formatDate(sys.recordedAt)})` : '–'),
        h('td', {}, adherence === undefined ? '–' : `${Math.round(adherence * 100)}%${adherence < 0.8 ? ' (below 80%)' : ''}`),
        h('td', { class: 'reasons' }, row.reasons.join('; ') || '–'),
      ),
    );
  }
  table.appendChild(body);
  replaceMain(
    h('h1', {}, 'Patients'),
    rows.length
      ? h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Patient list' }, table)
      : h('p', { class: 'notice', id: 'no-patients' }, 'No patients: you are not on an active care team.'),
  );
  document.title = 'Patients: Haven care-team dashboard';
}

function score(a: { score: number; severity: string } | null | undefined): string {
  return a ? `${a.score} (${a.severity.replace(/-/g, ' ')})` : '–';
}

function averageAdherence(summary: Summary | undefined): number | undefined {
  const values = (summary?.medicationAdherence ?? []).map((m) => m.adherence).filter((v): v is number => typeof v === 'number');
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : undefined;
}

/** Open alerts weigh most, then how severe the latest scores are, then BP in the crisis band, then low adherence. */
function attentionOf(summary: Summary | undefined): { attention: number; reasons: string[] } {
  if (!summary) return { attention: 0, reasons: [] };
  const reasons: string[] = [];
  let attention = 0;
  const alerts = summary.riskFlags.length;
  if (alerts) {
    attention += 1000 * alerts;
    reasons.push(`${alerts} open alert${alerts > 1 ? 's' : ''}`);
  }
  // A suicide-risk (safety) Flag or a critical alert comes before everything else; then high.
  for (const flag of summary.riskFlags) {
    if (flag.severity === 'critical' || flag.category?.includes('safety')) attention += 5000;
    else if (flag.severity === 'high') attention += 2000;
  }
  for (const [key, name] of [
    ['phq9', 'PHQ-9'],
    ['gad7', 'GAD-7'],
  ] as const) {
    const a = summary.assessments[key];
    const rank = a ? (SEVERITY_RANK[a.severity] ?? 0) : 0;
    attention += rank * 20;
    if (rank >= 2) reasons.push(`${name} ${a?.severity.replace(/-/g, ' ')}`);
  }
  const sys = summary.latestVitals.systolicBP?.value ?? 0;
  const dia = summary.latestVitals.diastolicBP?.value ?? 0;
  if (sys >= 180 || dia >= 120) {
    attention += 100;
    reasons.push('blood pressure in the crisis range');
  }
  const adherence = averageAdherence(summary);
  if (adherence !== undefined && adherence < 0.8) {
    attention += 30;
    reasons.push('adherence below 80%');
  }
  return { attention, reasons };
}
