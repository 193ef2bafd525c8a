// The bench-only database of the audit-cost scenarios: Haven's schema with auditing removed by the
// statements docs/audit.md gives for it (test/audit/bench-only.test.ts checks that they work).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/paths.js';

/** The `sql bench-only` block of docs/audit.md. */
export function auditRemovalSql(): string {
  const doc = readFileSync(path.join(packageRoot, 'docs', 'audit.md'), 'utf8');
  const block = /```sql bench-only\n([\s\S]*?)```/.exec(doc);
  if (!block) throw new Error('docs/audit.md has no `sql bench-only` block');
  return block[1];
}
