// Latest assessments of a summary: the newest PHQ-9 and GAD-7 taken in the window, with score,
// severity and the change since the one before it (which may be older than the window). Pure.
import type { ScoredAssessment } from '../../mappers/assessment.js';
import type { StoredRecord } from '../../mappers/fhir.js';
import type { AssessmentType } from '../../mappers/instruments.js';
import { instantOf, inWindow, type SummaryWindow } from '../../clinical/window.js';

export interface AssessmentScore {
  assessmentId: string;
  score: number;
  severity: string;
  takenAt: string;
}

export interface LatestAssessment extends AssessmentScore {
  /** The same instrument's assessment before this one, at any time; null for the first. */
  previous: AssessmentScore | null;
  /** score - previous.score (negative: fewer symptoms); null without a previous one. */
  change: number | null;
}

export interface LatestAssessments {
  phq9: LatestAssessment | null;
  gad7: LatestAssessment | null;
}

export function latestAssessments(assessments: ReadonlyArray<StoredRecord<ScoredAssessment>>, window: SummaryWindow): LatestAssessments {
  return { phq9: latestOf('PHQ-9', assessments, window), gad7: latestOf('GAD-7', assessments, window) };
}

function latestOf(type: AssessmentType, assessments: ReadonlyArray<StoredRecord<ScoredAssessment>>, window: SummaryWindow): LatestAssessment | null {
  const time = (a: ScoredAssessment) => instantOf(a.takenAt)?.getTime() ?? -Infinity;
  // Newest first; the same instant orders by id so the answer does not depend on storage order.
  const newestFirst = assessments
    .filter((a) => a.type === type && time(a) <= window.to.getTime())
    .sort((a, b) => time(b) - time(a) || b.id.localeCompare(a.id));
  const [latest, previous] = newestFirst;
  if (!latest || !inWindow(latest.takenAt, window)) return null;
  return {
    ...scoreOf(latest),
    previous: previous ? scoreOf(previous) : null,
    change: previous ? latest.score - previous.score : null,
  };
}

function scoreOf(assessment: StoredRecord<ScoredAssessment>): AssessmentScore {
  return { assessmentId: assessment.id, score: assessment.score, severity: assessment.severity, takenAt: assessment.takenAt };
}
