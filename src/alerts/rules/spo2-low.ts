// spo2-low: ≤92 % high, <88 % critical; with a hypercapnic target (a care team's Goal range of
// 88-92 % on 59408-5) <88 % high, ≤83 % critical (NHS oximetry ≤92; NEWS2 scales 1 and 2; BTS;
// FDA caveat on dark skin, hence 92, not 90). clinical-alerts.md §1.2, §1.4.
import { personalTiers } from './tiers.js';
import type { PersonalLimits, ThresholdRule, Tier } from './types.js';

const HYPERCAPNIC: Tier[] = [
  { severity: 'critical', when: [{ measurement: 'spo2', op: '<=', value: 83 }] },
  { severity: 'high', when: [{ measurement: 'spo2', op: '<', value: 88 }] },
];

const DEFAULT: Tier[] = [
  { severity: 'critical', when: [{ measurement: 'spo2', op: '<', value: 88 }] },
  { severity: 'high', when: [{ measurement: 'spo2', op: '<=', value: 92 }] },
];

export const spo2Low: ThresholdRule = {
  kind: 'threshold',
  code: 'spo2-low',
  display: 'Low oxygen saturation',
  definition:
    'Oxygen saturation (LOINC 59408-5 or 2708-6) ≤92 %: high; <88 %: critical. With a hypercapnic target (a care-team Goal range 88-92 % on 59408-5): <88 % high, ≤83 % critical. Sources: NHS England oximetry (≤92 urgent), NEWS2 scales 1 and 2, BTS 2017, FDA oximeter caveat.',
  measurements: ['spo2'],
  tiers: DEFAULT,
  personal(limits: PersonalLimits): Tier[] {
    const own = limits.spo2;
    if (own?.low === 88 && own.high === 92) return HYPERCAPNIC;
    return personalTiers(DEFAULT, limits);
  },
};
