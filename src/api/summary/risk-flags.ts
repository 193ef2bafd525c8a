// Open risk flags of a summary: the patient's Flags whose status is active and whose period has
// not ended (such as the suicide-risk Flag a PHQ-9 with item 9 above 0 raises), whenever raised.
// Pure.
import type { Flag } from '@medplum/fhirtypes';
import { ALERT_RULE_SYSTEM, ALERT_SEVERITY_EXTENSION } from '../../alerts/codes.js';
import { EXTENSION } from '../../mappers/codes.js';
import { instantOf } from '../../clinical/window.js';

export interface RiskFlag {
  flagId: string;
  /** The Flag's code text, else the display of its first coding. */
  text: string | null;
  code: Array<{ system?: string; code?: string }>;
  category: string[];
  /** When the flag was raised (period.start). */
  since: string | null;
  /** What it is about (flag-detail extensions), e.g. the QuestionnaireResponse. */
  details: string[];
  /** For clinical alerts: the alert-rule code and Haven's severity (docs/alerts.md); absent otherwise. */
  rule?: string;
  severity?: string;
}

export function openRiskFlags(flags: readonly Flag[], now: Date): RiskFlag[] {
  return flags
    .filter((flag) => flag.status === 'active' && !ended(flag, now))
    .map((flag) => ({
      flagId: flag.id as string,
      text: flag.code?.text ?? flag.code?.coding?.[0]?.display ?? null,
      code: (flag.code?.coding ?? []).map((c) => ({ ...(c.system ? { system: c.system } : {}), ...(c.code ? { code: c.code } : {}) })),
      category: (flag.category ?? []).flatMap((c) => (c.coding ?? []).map((coding) => coding.code).filter((code): code is string => code !== undefined)),
      since: flag.period?.start ?? null,
      details: (flag.extension ?? [])
        .filter((e) => e.url === EXTENSION.flagDetail)
        .map((e) => e.valueReference?.reference)
        .filter((r): r is string => r !== undefined),
      ...alertOf(flag),
    }))
    .sort((a, b) => time(b.since) - time(a.since) || a.flagId.localeCompare(b.flagId));
}

function alertOf(flag: Flag): Pick<RiskFlag, 'rule' | 'severity'> {
  const rule = flag.code?.coding?.find((c) => c.system === ALERT_RULE_SYSTEM)?.code;
  const severity = flag.extension?.find((e) => e.url === ALERT_SEVERITY_EXTENSION)?.valueCode;
  return { ...(rule ? { rule } : {}), ...(severity ? { severity } : {}) };
}

/** Newest first; a flag without a start last. */
function time(since: string | null): number {
  return instantOf(since ?? undefined)?.getTime() ?? -Infinity;
}

function ended(flag: Flag, now: Date): boolean {
  const end = instantOf(flag.period?.end);
  return end !== undefined && end <= now;
}
