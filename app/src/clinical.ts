// The clinical numbers the charts draw, from /work/shared/reference (clinical-codes.md §1-2 for the
// PHQ-9 and GAD-7 bands, which match CONTRACT; clinical-alerts.md §1.2 for the default alert
// limits, §1.4 for a patient's own limits set by the care team as a Goal).
import type { Resource } from './data';

export interface Band {
  from: number;
  to: number;
  label: string;
  shade: string;
}

/** Severity bands: score ranges inclusive; drawn from `from` to `to + 1` so the bands touch. */
export const PHQ9_BANDS: Band[] = [
  { from: 0, to: 4, label: 'none–minimal', shade: 'rgba(46, 125, 50, 0.10)' },
  { from: 5, to: 9, label: 'mild', shade: 'rgba(249, 168, 37, 0.14)' },
  { from: 10, to: 14, label: 'moderate', shade: 'rgba(239, 108, 0, 0.16)' },
  { from: 15, to: 19, label: 'moderately severe', shade: 'rgba(211, 47, 47, 0.16)' },
  { from: 20, to: 27, label: 'severe', shade: 'rgba(136, 14, 79, 0.18)' },
];
export const GAD7_BANDS: Band[] = [
  { from: 0, to: 4, label: 'minimal', shade: 'rgba(46, 125, 50, 0.10)' },
  { from: 5, to: 9, label: 'mild', shade: 'rgba(249, 168, 37, 0.14)' },
  { from: 10, to: 14, label: 'moderate', shade: 'rgba(239, 108, 0, 0.16)' },
  { from: 15, to: 21, label: 'severe', shade: 'rgba(136, 14, 79, 0.18)' },
];

export const SEVERITY_RANK: Record<string, number> = {
  'none-minimal': 0,
  minimal: 0,
  mild: 1,
  moderate: 2,
  'moderately-severe': 3,
  severe: 4,
};

export interface Threshold {
  value: number;
  label: string;
  series?: string;
}

export const LOINC = {
  systolic: '8480-6',
  diastolic: '8462-4',
  heartRate: '8867-4',
  spo2: '59408-5',
  spo2Alt: '2708-6',
  weight: '29463-7',
} as const;

/** A patient's own limits: the newest active Goal from a clinician whose target is the vital's LOINC. */
export function patientRange(goals: Resource[], loinc: string[]): { low?: number; high?: number } | undefined {
  const applicable = goals
    .filter((g) => ['active', 'accepted'].includes(g.lifecycleStatus) && /^(Practitioner|PractitionerRole)\//.test(g.expressedBy?.reference ?? ''))
    .flatMap((g) => (g.target ?? []).map((t: any) => ({ goal: g, target: t })))
    .filter(({ target }) => (target.measure?.coding ?? []).some((c: any) => c.system === 'http://loinc.org' && loinc.includes(c.code)) && target.detailRange)
    .sort((a, b) => String(b.goal.meta?.lastUpdated ?? '').localeCompare(String(a.goal.meta?.lastUpdated ?? '')));
  const range = applicable[0]?.target.detailRange;
  if (!range) return undefined;
  return { low: range.low?.value, high: range.high?.value };
}

/** The alert limits drawn on each vital chart: the rule defaults, the lower tier replaced by the patient's range. */
export function vitalThresholds(goals: Resource[]) {
  const sys = patientRange(goals, [LOINC.systolic]);
  const hr = patientRange(goals, [LOINC.heartRate]);
  const spo2 = patientRange(goals, [LOINC.spo2, LOINC.spo2Alt]);
  const hypercapnic = spo2 !== undefined && spo2.low === 88 && spo2.high === 92;
  return {
    bp: [
      { value: 180, label: 'crisis: systolic ≥180', series: 'systolic' },
      { value: 120, label: 'crisis: diastolic ≥120', series: 'diastolic' },
      { value: sys?.low ?? 90, label: `low: systolic <${sys?.low ?? 90}${sys?.low ? ' (patient limit)' : ''}`, series: 'systolic' },
    ] as Threshold[],
    heartRate: [
      { value: hr?.high ?? 120, label: `high: >${hr?.high ?? 120}${hr?.high ? ' (patient limit)' : ''}` },
      { value: hr?.low ?? 50, label: `low: <${hr?.low ?? 50}${hr?.low ? ' (patient limit)' : ''}` },
    ] as Threshold[],
    spo2: [
      hypercapnic
        ? { value: 88, label: 'low: <88 (hypercapnic target)' }
        : { value: spo2?.low ?? 92, label: `low: ≤${spo2?.low ?? 92}${spo2?.low ? ' (patient limit)' : ''}` },
    ] as Threshold[],
  };
}
