// What a PMAction import did, and the lines `haven import` prints of it: records stored by kind,
// entries updated or unchanged (imported before), refusals, and the parts of the export that are
// not imported, each with its reason.

export interface PmactionSummary {
  /** Records created, by what they are ("mood entry", "assessment", "journal entry"). */
  stored: Record<string, number>;
  /** Entries imported before whose record changed, and was replaced. */
  updated: number;
  /** Entries imported before and unchanged: nothing written. */
  unchanged: number;
  refused: number;
  notImported: Array<{ key: string; count: number; reason: string }>;
  seconds: number;
  perSecond: number;
}

/** Why the rest of the app's data is left out (docs/bulk.md "PMAction"). */
const REASONS: Record<string, string> = {
  habits: 'habit tracking: Haven has no record for habits',
  programs: "program progress: the app's own course content, not a health record",
  topics: 'topics to discuss with other people: Haven has no record for them',
  userName: 'the Patient is the one named by --patient',
  currentFeeling: "the app's unsaved screen state",
  currentSubcategory: "the app's unsaved screen state",
};

/** The export's keys that are not imported: a list counts its items, anything else (set) counts 1. */
export function notImported(others: Record<string, unknown>): PmactionSummary['notImported'] {
  return Object.entries(others)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([key, value]) => ({ key, count: Array.isArray(value) ? value.length : 1, reason: REASONS[key] ?? 'not part of what Haven maps from PMAction' }))
    .filter((item) => item.count > 0);
}

export function summaryLines(summary: PmactionSummary, dryRun: boolean, reportPath: string): string[] {
  const stored = Object.values(summary.stored).reduce((a, b) => a + b, 0);
  const kinds = Object.entries(summary.stored)
    .sort()
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  return [
    `${dryRun ? 'valid' : 'stored'}: ${stored} records${stored ? ` (${kinds})` : ''}`,
    ...(dryRun ? [] : [`imported before: ${summary.updated} updated, ${summary.unchanged} unchanged`]),
    `refused: ${summary.refused}${summary.refused ? ` (reasons in ${reportPath})` : ''}`,
    `not imported: ${summary.notImported.length ? summary.notImported.map((n) => `${n.key} ${n.count} (${n.reason})`).join('; ') : 'nothing'}`,
    `1 file, ${summary.seconds.toFixed(1)} s, ${Math.round(summary.perSecond)} entries/s`,
  ];
}
