// The resources of one alert, as clinical-alerts.md §4.1 shapes them: the Flag (contract shape:
// category flag-category clinical, code alert-rule|<rule> then SNOMED, flag-detail per reading,
// flag-priority and Haven's severity), the Communication to the care teams, and, for rules whose
// follow-up is work to own, the Task. Pure.
import type { Communication, Extension, Flag, Task } from '@medplum/fhirtypes';
import { SYSTEM } from '../mappers/codes.js';
import {
  ALERT_RULE_SYSTEM,
  ALERT_SEVERITY_EXTENSION,
  ALERTING_DEVICE,
  FLAG_PRIORITY_EXTENSION,
  FLAG_PRIORITY_SYSTEM,
  flagCategories,
  RULE_SNOMED,
  SEVERITY_PRIORITY,
  type RuleCode,
  type Severity,
} from './codes.js';
import type { Finding } from './rules/types.js';

export interface AlertSubject {
  patientId: string;
  rule: RuleCode;
  display: string;
}

const FLAG_DETAIL = 'http://hl7.org/fhir/StructureDefinition/flag-detail';
/** Evidence kept on one Flag: later readings of a long-open alert are in the record anyway. */
export const MAX_DETAILS = 50;

export function severityExtensions(severity: Severity): Extension[] {
  return [
    { url: FLAG_PRIORITY_EXTENSION, valueCodeableConcept: { coding: [{ system: FLAG_PRIORITY_SYSTEM, code: SEVERITY_PRIORITY[severity].flag }] } },
    { url: ALERT_SEVERITY_EXTENSION, valueCode: severity },
  ];
}

export function detailExtensions(references: string[]): Extension[] {
  return references.map((reference) => ({ url: FLAG_DETAIL, valueReference: { reference } }));
}

export function alertFlag(subject: AlertSubject, finding: Finding, id: string): Flag {
  const snomed = RULE_SNOMED[subject.rule];
  return {
    resourceType: 'Flag',
    id,
    extension: [...detailExtensions(finding.evidence.slice(0, MAX_DETAILS)), ...severityExtensions(finding.severity)],
    status: 'active',
    category: flagCategories(subject.rule).map((code) => ({ coding: [{ system: SYSTEM.flagCategory, code }] })),
    code: {
      coding: [{ system: ALERT_RULE_SYSTEM, code: subject.rule, display: subject.display }, ...(snomed ? [{ system: SYSTEM.snomed, ...snomed }] : [])],
      text: finding.text,
    },
    subject: { reference: `Patient/${subject.patientId}` },
    period: { start: finding.at },
    author: { ...ALERTING_DEVICE },
  };
}

/** The Flag's severity as Haven wrote it (undefined for a Flag Haven did not raise). */
export function severityOf(flag: Flag): Severity | undefined {
  return flag.extension?.find((e) => e.url === ALERT_SEVERITY_EXTENSION)?.valueCode as Severity | undefined;
}

/** The alert rule of a Flag Haven raised, if it is one. */
export function ruleOf(flag: Flag): RuleCode | undefined {
  return flag.code?.coding?.find((c) => c.system === ALERT_RULE_SYSTEM)?.code as RuleCode | undefined;
}

/** The Flag raised again at a higher severity, or with more evidence: same id, same period.start. */
export function updatedFlag(flag: Flag, finding: Finding, escalate: boolean): Flag {
  const details = (flag.extension ?? []).filter((e) => e.url === FLAG_DETAIL);
  const known = new Set(details.map((e) => e.valueReference?.reference));
  const added = finding.evidence.filter((r) => !known.has(r)).slice(0, Math.max(0, MAX_DETAILS - details.length));
  const others = (flag.extension ?? []).filter(
    (e) => e.url !== FLAG_DETAIL && (!escalate || (e.url !== FLAG_PRIORITY_EXTENSION && e.url !== ALERT_SEVERITY_EXTENSION)),
  );
  return {
    ...flag,
    extension: [...details, ...detailExtensions(added), ...(escalate ? severityExtensions(finding.severity) : []), ...others],
    ...(escalate && flag.code ? { code: { ...flag.code, text: finding.text } } : {}),
  };
}

export function alertCommunication(
  subject: AlertSubject,
  finding: Finding,
  flagId: string,
  careTeamIds: string[],
  now: string,
  escalated: boolean,
): Communication {
  return {
    resourceType: 'Communication',
    status: 'completed',
    category: [{ coding: [{ system: SYSTEM.communicationCategory, code: 'alert', display: 'Alert' }] }],
    priority: SEVERITY_PRIORITY[finding.severity].request,
    subject: { reference: `Patient/${subject.patientId}` },
    about: [{ reference: `Flag/${flagId}` }, ...finding.evidence.slice(0, MAX_DETAILS).map((reference) => ({ reference }))],
    recipient: careTeamIds.map((id) => ({ reference: `CareTeam/${id}` })),
    sender: { ...ALERTING_DEVICE },
    sent: now,
    payload: [{ contentString: `${escalated ? 'Escalated to ' : ''}${finding.severity}: ${finding.text}` }],
  };
}

/** Days to act by severity (§0): critical and high the same day, medium the next, low within a week. */
const DUE_DAYS: Record<Severity, number> = { critical: 0, high: 0, medium: 1, low: 7 };

export function alertTask(
  subject: { patientId: string },
  finding: Pick<Finding, 'severity' | 'text'>,
  flagId: string,
  careTeamId: string | undefined,
  now: string,
  what: string,
): Task {
  const due = new Date(now);
  due.setUTCDate(due.getUTCDate() + DUE_DAYS[finding.severity]);
  due.setUTCHours(23, 59, 59, 0);
  return {
    resourceType: 'Task',
    status: 'requested',
    intent: 'order',
    priority: SEVERITY_PRIORITY[finding.severity].request,
    code: { text: what },
    description: finding.text,
    focus: { reference: `Flag/${flagId}` },
    for: { reference: `Patient/${subject.patientId}` },
    ...(careTeamId ? { owner: { reference: `CareTeam/${careTeamId}` } } : {}),
    requester: { ...ALERTING_DEVICE },
    authoredOn: now,
    restriction: { period: { end: due.toISOString() } },
  };
}
