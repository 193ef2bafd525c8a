// bp-low: SBP <90 high, <80 critical; diastolic alone raises nothing (NHLBI; BEAT-HF).
// clinical-alerts.md §1.2.
import type { ThresholdRule } from './types.js';

export const bpLow: ThresholdRule = {
  kind: 'threshold',
  code: 'bp-low',
  display: 'Low blood pressure',
  definition:
    'Systolic blood pressure (LOINC 8480-6) <90 mm[Hg]: high; <80 mm[Hg]: critical. Diastolic alone raises no alert. Sources: NHLBI (<90/60), BEAT-HF (<80 without symptoms).',
  measurements: ['systolic'],
  tiers: [
    { severity: 'critical', when: [{ measurement: 'systolic', op: '<', value: 80 }] },
    { severity: 'high', when: [{ measurement: 'systolic', op: '<', value: 90 }] },
  ],
};
