// The scheduled rules, run by the job (run.ts) for every patient.
import { adherenceLow } from './adherence-low.js';
import { assessmentDue } from './assessment-due.js';
import { missedDose } from './missed-dose.js';
import type { ScheduledRule } from './types.js';

export const SCHEDULED_RULES: readonly ScheduledRule[] = [missedDose, adherenceLow, assessmentDue];
