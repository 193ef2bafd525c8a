// bp-crisis: SBP ≥180 or DBP ≥120 mm[Hg], critical (ACC/AHA crisis band; ≥, not >, so the boundary
// is caught). clinical-alerts.md §1.2. Its one tier is also its lowest: a care team's Goal range
// (SBP or DBP high) replaces it.
import type { ThresholdRule } from './types.js';

export const bpCrisis: ThresholdRule = {
  kind: 'threshold',
  code: 'bp-crisis',
  display: 'Blood pressure in the hypertensive crisis range',
  definition:
    'Systolic blood pressure (LOINC 8480-6) ≥180 mm[Hg] or diastolic (8462-4) ≥120 mm[Hg]: critical. Source: ACC/AHA hypertensive crisis (SBP >180 and/or DBP >120), taken as ≥ so the boundary is caught.',
  measurements: ['systolic', 'diastolic'],
  tiers: [
    {
      severity: 'critical',
      when: [
        { measurement: 'systolic', op: '>=', value: 180 },
        { measurement: 'diastolic', op: '>=', value: 120 },
      ],
    },
  ],
};
