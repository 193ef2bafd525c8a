// A patient's summary from the records read for it: pure, so that every number is testable
// without a database.
import { medicationAdherence, type MedicationAdherence } from '../../clinical/adherence.js';
import { latestAssessments, type LatestAssessments } from './assessments.js';
import { latestVitals, type LatestVitals } from './latest-vitals.js';
import { moodTrend, type MoodTrend } from './mood-trend.js';
import type { SummaryRecords } from './records.js';
import { openRiskFlags, type RiskFlag } from './risk-flags.js';
import type { SummaryWindow } from '../../clinical/window.js';

export interface PatientSummary {
  patientId: string;
  days: number;
  /** Start of the window's first day and the moment of computing, as ISO 8601 instants. */
  from: string;
  to: string;
  /** The zone of the calendar days (mood days, active medication days). */
  timeZone: 'UTC';
  moodTrend: MoodTrend;
  latestVitals: LatestVitals;
  medicationAdherence: MedicationAdherence[];
  assessments: LatestAssessments;
  riskFlags: RiskFlag[];
}

export function buildSummary(patientId: string, records: SummaryRecords, window: SummaryWindow): PatientSummary {
  return {
    patientId,
    days: window.days,
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    timeZone: 'UTC',
    moodTrend: moodTrend(records.moodEntries, window),
    latestVitals: latestVitals(records.vitals, window),
    medicationAdherence: medicationAdherence(records.medications, records.medicationLogs, window),
    assessments: latestAssessments(records.assessments, window),
    riskFlags: openRiskFlags(records.flags, window.to),
  };
}
