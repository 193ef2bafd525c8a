// The whole rule set as data, and the CodeSystem Haven publishes of it
// (conformance/CodeSystem-alert-rule.json; a test keeps the file and this in step).
import type { CodeSystem } from '@medplum/fhirtypes';
import { ALERT_RULE_SYSTEM, type RuleCode, type Severity } from './codes.js';
import { WRITE_RULES } from './rules/index.js';
import { format } from './rules/tiers.js';
import type { WriteRule } from './rules/types.js';
import { SCHEDULED_RULES } from './scheduled/index.js';

export interface RuleEntry {
  code: RuleCode;
  display: string;
  definition: string;
  when: 'write' | 'scheduled';
  /** The default threshold, as a short phrase. */
  threshold: string;
  severities: Severity[];
}

const SCHEDULED: Record<string, { threshold: string; severities: Severity[] }> = {
  'missed-dose': {
    threshold: 'any missed dose (anticoagulant, P2Y12); 2 consecutive misses or ≥48 h without a dose (beta-blocker)',
    severities: ['medium', 'high'],
  },
  'adherence-low': { threshold: '<80 % of expected doses taken over 30 days', severities: ['medium'] },
  'assessment-due': { threshold: 'no PHQ-9 for 28 days while in treatment', severities: ['low'] },
};

const UCUM: Record<string, string> = {
  systolic: 'mm[Hg]',
  diastolic: 'mm[Hg]',
  heartRate: '/min',
  spo2: '%',
  temperature: '[degF]',
  weight: '[lb_av]',
  phq9: '{score}',
  gad7: '{score}',
};

function thresholdOf(rule: WriteRule): { threshold: string; severities: Severity[] } {
  if (rule.kind === 'threshold') {
    const tiers = [...rule.tiers].reverse();
    return {
      threshold: tiers
        .map((t) => `${t.when.map((c) => `${c.measurement} ${c.op} ${format(c.value)} ${UCUM[c.measurement]}`).join(' or ')}: ${t.severity}`)
        .join('; '),
      severities: [...new Set(tiers.map((t) => t.severity))],
    };
  }
  const severities: Severity[] = rule.code.startsWith('weight') ? ['high'] : ['medium', 'high'];
  return {
    threshold: `${rule.measurement} rise ≥ ${format(rule.defaultAllowed)} ${UCUM[rule.measurement]} (${rule.lookbackDays === 2 ? 'from the previous day' : rule.lookbackDays === 8 ? 'in 7 days' : `on the previous within ${rule.lookbackDays} days`})`,
    severities,
  };
}

export function ruleSet(): RuleEntry[] {
  return [
    ...WRITE_RULES.map((r): RuleEntry => ({ code: r.code, display: r.display, definition: r.definition, when: 'write', ...thresholdOf(r) })),
    ...SCHEDULED_RULES.map((r): RuleEntry => ({ code: r.code, display: r.display, definition: r.definition, when: 'scheduled', ...SCHEDULED[r.code] })),
  ];
}

export function alertRuleCodeSystem(): CodeSystem {
  const rules = ruleSet();
  return {
    resourceType: 'CodeSystem',
    id: 'alert-rule',
    url: ALERT_RULE_SYSTEM,
    version: '1.0.0',
    name: 'HavenAlertRule',
    title: 'Haven clinical alert rules',
    status: 'active',
    publisher: 'Haven',
    description:
      "The rules that raise Haven's clinical alerts: Flag.code carries one of these codes first. Defaults are population defaults for adults at home (reference/clinical-alerts.md); a care team sets a patient's own limits with a Goal (docs/alerts.md).",
    caseSensitive: true,
    content: 'complete',
    count: rules.length,
    property: [
      { code: 'evaluated', description: 'write: in the transaction that stores the reading; scheduled: by the scheduled job', type: 'code' },
      { code: 'default-threshold', description: 'The default threshold and the severity of each band', type: 'string' },
      { code: 'severity', description: 'A severity the rule may raise (critical | high | medium | low)', type: 'code' },
    ],
    concept: rules.map((r) => ({
      code: r.code,
      display: r.display,
      definition: r.definition,
      property: [
        { code: 'evaluated', valueCode: r.when },
        { code: 'default-threshold', valueString: r.threshold },
        ...r.severities.map((s) => ({ code: 'severity', valueCode: s })),
      ],
    })),
  };
}
