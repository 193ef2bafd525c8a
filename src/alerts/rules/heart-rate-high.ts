// heart-rate-high: >120 /min high, ≥131 critical (BEAT-HF, TELBIL, NEWS2). clinical-alerts.md §1.2.
import type { ThresholdRule } from './types.js';

export const heartRateHigh: ThresholdRule = {
  kind: 'threshold',
  code: 'heart-rate-high',
  display: 'High heart rate',
  definition: 'Heart rate (LOINC 8867-4) >120 /min: high; ≥131 /min: critical. Sources: BEAT-HF (>110 without symptoms), TELBIL (>100), NEWS2 (≥131 scores 3).',
  measurements: ['heartRate'],
  tiers: [
    { severity: 'critical', when: [{ measurement: 'heartRate', op: '>=', value: 131 }] },
    { severity: 'high', when: [{ measurement: 'heartRate', op: '>', value: 120 }] },
  ],
};
