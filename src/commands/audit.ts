import { verifyAuditChains, type VerifyReport } from '../audit/verify.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../store/open-database.js';
import type { Command } from './command.js';

const USAGE = `haven audit verify

Walks every hash chain of the audit log, from its start or from the anchor that retention left,
to its head, recomputing each row's hash. Exits 0 when the log is intact; otherwise prints the
first row that was altered, removed or inserted out of order and exits 1.

Uses DATABASE_URL, or the embedded database in DATA_DIR (stop the server first: the embedded
database allows one process at a time).`;

export const auditCommand: Command = {
  name: 'audit',
  summary: 'Audit trail tools: "audit verify" checks the hash chains of the audit log',
  usage: USAGE,
  async run(args) {
    if (args[0] !== 'verify' || args.length > 1) {
      console.error(USAGE);
      return 2;
    }
    const config = loadConfig();
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
    try {
      const report = await verifyAuditChains(db);
      const text = describeReport(report);
      if (report.failure) console.error(text);
      else console.log(text);
      return report.failure ? 1 : 0;
    } finally {
      await db.close();
    }
  },
};

export function describeReport(report: VerifyReport): string {
  const scope = `${report.rows} ${report.rows === 1 ? 'row' : 'rows'} in ${report.chains} chains`;
  const anchored = report.anchored ? ` (${report.anchored} continuing from retention anchors)` : '';
  if (!report.failure) return `audit log intact: ${scope}${anchored}`;
  const f = report.failure;
  return `audit log verification FAILED (${f.problem}): ${f.message}\n${scope} verified before it${anchored}`;
}
