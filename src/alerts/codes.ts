// The codes, extensions and severities of Haven's clinical alerts, copied from
// ../shared/CONTRACT.md ("Clinical alerts") and ../shared/reference/clinical-alerts.md (§0, §4).
// Tests check alerts against literal values from those documents, never against these constants.
import { HAVEN_CANONICAL } from '../mappers/codes.js';

export const ALERT_RULE_SYSTEM = `${HAVEN_CANONICAL}/CodeSystem/alert-rule`;
export const ALERT_SEVERITY_EXTENSION = `${HAVEN_CANONICAL}/StructureDefinition/alert-severity`;
export const FLAG_PRIORITY_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/flag-priority';
export const FLAG_PRIORITY_SYSTEM = 'http://hl7.org/fhir/flag-priority-code';

/** Who raises alerts (Flag.author, Communication.sender): Haven itself. */
export const ALERTING_DEVICE = { reference: 'Device/haven-alerting', display: 'Haven clinical alerts' } as const;

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** §0: flag-priority and Communication/Task priority of each severity. */
export const SEVERITY_PRIORITY: Record<Severity, { flag: string; request: 'routine' | 'urgent' | 'stat' }> = {
  critical: { flag: 'PH', request: 'stat' },
  high: { flag: 'PH', request: 'urgent' },
  medium: { flag: 'PM', request: 'routine' },
  low: { flag: 'PL', request: 'routine' },
};

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export const RULE_CODES = [
  'bp-crisis',
  'bp-low',
  'heart-rate-high',
  'heart-rate-low',
  'spo2-low',
  'fever',
  'weight-gain-day',
  'weight-gain-week',
  'phq9-worsening',
  'gad7-worsening',
  'missed-dose',
  'adherence-low',
  'assessment-due',
] as const;
export type RuleCode = (typeof RULE_CODES)[number];

/** §4.2: the SNOMED CT coding that follows the Haven one, where one exists. */
export const RULE_SNOMED: Partial<Record<RuleCode, { code: string; display: string }>> = {
  'bp-crisis': { code: '706882009', display: 'Hypertensive crisis (disorder)' },
  'bp-low': { code: '45007003', display: 'Low blood pressure (disorder)' },
  'heart-rate-high': { code: '3424008', display: 'Tachycardia (finding)' },
  'heart-rate-low': { code: '48867003', display: 'Bradycardia (finding)' },
  'spo2-low': { code: '389087006', display: 'Hypoxemia (disorder)' },
  fever: { code: '386661006', display: 'Fever (finding)' },
  'weight-gain-day': { code: '8943002', display: 'Weight gain finding (finding)' },
  'weight-gain-week': { code: '8943002', display: 'Weight gain finding (finding)' },
  'missed-dose': { code: '129834002', display: 'Noncompliance with medication regimen (finding)' },
  'adherence-low': { code: '129834002', display: 'Noncompliance with medication regimen (finding)' },
};

/** §4.1: flag-category codes of each rule's Flag (clinical first). */
export function flagCategories(rule: RuleCode): string[] {
  if (rule === 'phq9-worsening' || rule === 'gad7-worsening') return ['clinical', 'behavioral'];
  if (rule === 'missed-dose' || rule === 'adherence-low') return ['clinical', 'drug'];
  return ['clinical'];
}

export const LOINC_CODES = {
  bpPanel: '85354-9',
  systolic: '8480-6',
  diastolic: '8462-4',
  heartRate: '8867-4',
  pulseOximetry: '59408-5',
  oxygenSaturation: '2708-6',
  bodyTemperature: '8310-5',
  bodyWeight: '29463-7',
  phq9Total: '44261-6',
  gad7Total: '70274-6',
  phq9Panel: '44249-1',
} as const;
