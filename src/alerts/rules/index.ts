// The rule set: every write-time rule, in the order they are evaluated. Scheduled rules live in
// ../scheduled/ and are listed in ../rule-set.ts with these for the CodeSystem.
import { bpCrisis } from './bp-crisis.js';
import { bpLow } from './bp-low.js';
import { fever } from './fever.js';
import { gad7Worsening } from './gad7-worsening.js';
import { heartRateHigh } from './heart-rate-high.js';
import { heartRateLow } from './heart-rate-low.js';
import { phq9Worsening } from './phq9-worsening.js';
import { spo2Low } from './spo2-low.js';
import type { WriteRule } from './types.js';
import { weightGainDay } from './weight-gain-day.js';
import { weightGainWeek } from './weight-gain-week.js';

export const WRITE_RULES: readonly WriteRule[] = [
  bpCrisis,
  bpLow,
  heartRateHigh,
  heartRateLow,
  spo2Low,
  fever,
  weightGainDay,
  weightGainWeek,
  phq9Worsening,
  gad7Worsening,
];
