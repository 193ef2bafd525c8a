// heart-rate-low: <50 /min medium, ≤40 high (BEAT-HF, TELBIL, NEWS2). clinical-alerts.md §1.2.
import type { ThresholdRule } from './types.js';

export const heartRateLow: ThresholdRule = {
  kind: 'threshold',
  code: 'heart-rate-low',
  display: 'Low heart rate',
  definition: 'Heart rate (LOINC 8867-4) <50 /min: medium; ≤40 /min: high. Sources: BEAT-HF and TELBIL (<50), NEWS2 (≤40 scores 3).',
  measurements: ['heartRate'],
  tiers: [
    { severity: 'high', when: [{ measurement: 'heartRate', op: '<=', value: 40 }] },
    { severity: 'medium', when: [{ measurement: 'heartRate', op: '<', value: 50 }] },
  ],
};
