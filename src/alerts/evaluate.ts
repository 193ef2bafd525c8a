// Running the write-time rules on one stored Observation, in its transaction: its readings (unit
// converted), the patient's own limits (Goals), the earlier readings the change rules need, and for
// each finding one raise through the AlertWriter (dedup, escalation). Whatever route stored the
// Observation (FHIR create/update/PATCH, a Bundle entry, the app-records API, `haven import`).
import type { Goal, Observation } from '@medplum/fhirtypes';
import type { SharedLookups } from '../fhir/interactions/hook-batch.js';
import type { ResourceStore } from '../store/resources.js';
import type { SearchEngine } from '../store/search/engine.js';
import type { AlertWriter, RaiseOutcome } from './alert-writer.js';
import { LOINC_CODES, severityRank, type RuleCode } from './codes.js';
import { searchInstant, searchPatient } from './patient-search.js';
import { readingsOf, type Measurement, type Reading } from './readings.js';
import { WRITE_RULES } from './rules/index.js';
import { evaluateThreshold } from './rules/tiers.js';
import type { Finding, WriteRule } from './rules/types.js';
import { patientLimits, type PatientLimits } from './thresholds.js';

/** LOINC codes searched for earlier readings of a change rule's measurement. */
const HISTORY_CODES: Partial<Record<Measurement, string>> = {
  weight: LOINC_CODES.bodyWeight,
  phq9: LOINC_CODES.phq9Total,
  gad7: LOINC_CODES.gad7Total,
};

/** Follow-up Task of rules whose follow-up is owned work (clinical-alerts.md §4.1). */
const TASKS: Partial<Record<RuleCode, string>> = {
  'phq9-worsening': 'Review treatment: PHQ-9 worsening',
  'gad7-worsening': 'Review treatment: GAD-7 worsening',
};

/** §1.3: a backfill (measured more than 24 h before it arrived) raises at most medium, noted as late. */
const LATE_MS = 24 * 3600 * 1000;

export interface EvaluationContext {
  /** Confined to the patient's compartment (Haven acting for the patient's care team). */
  s: ResourceStore;
  search: SearchEngine;
  writer: AlertWriter;
  patientId: string;
  now: Date;
  /** More evidence for every finding (the QuestionnaireResponse a score was derived from). */
  extraEvidence?: string[];
  rules?: readonly WriteRule[];
  /** Look-ups shared with the other readings written together (a Bundle's): the patient's limits. */
  shared?: SharedLookups;
}

export async function evaluateObservation(ctx: EvaluationContext, observation: Observation): Promise<RaiseOutcome[]> {
  const readings = readingsOf(observation, ctx.now.toISOString());
  if (!readings.length) return [];
  const measured = new Set(readings.map((r) => r.measurement));
  const rules = (ctx.rules ?? WRITE_RULES).filter((rule) =>
    rule.kind === 'threshold' ? rule.measurements.some((m) => measured.has(m)) : measured.has(rule.measurement),
  );
  if (!rules.length) return [];
  const limits = await goalsOf(ctx);
  const outcomes: RaiseOutcome[] = [];
  for (const rule of rules) {
    const finding = rule.kind === 'threshold' ? evaluateThreshold(rule, readings, limits.limits) : await evaluateChange(ctx, rule, readings, limits);
    if (!finding) continue;
    const evidence = [...finding.evidence, ...(ctx.extraEvidence ?? [])];
    outcomes.push(
      await ctx.writer.raise(ctx.s, {
        patientId: ctx.patientId,
        rule: rule.code,
        display: rule.display,
        finding: late({ ...finding, evidence }, ctx.now),
        now: ctx.now.toISOString(),
        ...(TASKS[rule.code] ? { task: TASKS[rule.code] } : {}),
      }),
    );
  }
  return outcomes;
}

async function evaluateChange(
  ctx: EvaluationContext,
  rule: Extract<WriteRule, { kind: 'change' }>,
  readings: Reading[],
  limits: PatientLimits,
): Promise<Finding | undefined> {
  const current = readings.find((r) => r.measurement === rule.measurement) as Reading;
  const code = HISTORY_CODES[rule.measurement];
  if (!code) return undefined;
  const at = new Date(current.at);
  if (Number.isNaN(at.getTime())) return undefined;
  const since = new Date(at.getTime() - rule.lookbackDays * 86_400_000);
  const found = (await searchPatient(ctx.s, ctx.search, ctx.patientId, 'Observation', [
    ['code', `http://loinc.org|${code}`],
    ['date', `ge${searchInstant(since)}`],
    ['date', `le${searchInstant(new Date(at.getTime() + 86_400_000))}`],
  ])) as Observation[];
  const earlier = found
    .flatMap((o) => readingsOf(o, ctx.now.toISOString()))
    .filter((r) => r.measurement === rule.measurement && r.reference !== current.reference);
  return rule.evaluate({ current, earlier, ...(limits.allowed[rule.code] !== undefined ? { allowed: limits.allowed[rule.code] } : {}) });
}

/** The patient's limits: searched once for the readings written together, again once a Goal is written. */
function goalsOf(ctx: EvaluationContext): Promise<PatientLimits> {
  const load = async () => {
    const goals = (await searchPatient(ctx.s, ctx.search, ctx.patientId, 'Goal', [
      ['lifecycle-status', 'active,accepted'],
      ['_sort', '-_lastUpdated'],
    ])) as Goal[];
    return patientLimits(goals);
  };
  return ctx.shared ? ctx.shared.lookup(`alert-limits:${ctx.patientId}`, ['Goal'], load) : load();
}

function late(finding: Finding, now: Date): Finding {
  const at = Date.parse(finding.at);
  if (Number.isNaN(at) || now.getTime() - at <= LATE_MS || severityRank(finding.severity) <= severityRank('medium')) return finding;
  return { ...finding, severity: 'medium', text: `${finding.text} (late: measured more than 24 h before it arrived)` };
}
