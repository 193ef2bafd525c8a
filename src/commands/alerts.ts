// `haven alerts run [--rule R] [--dry-run]`: runs the scheduled clinical-alert rules now (the same
// job the server runs on ALERTS_SCHEDULE, under the same lock), printing each alert raised or, with
// --dry-run, that it would raise.
import { loadConfig } from '../config.js';
import { openServices } from '../runtime.js';
import { runScheduledAlerts, scheduledRuleCodes } from '../alerts/scheduled/run.js';
import type { Command } from './command.js';

/** What a dry run says of each action. */
const DRY: Record<string, string> = { raised: 'would raise', escalated: 'would escalate', evidence: 'would add evidence', unchanged: 'unchanged' };

export const alertsCommand: Command = {
  name: 'alerts',
  summary: 'Run the scheduled clinical-alert rules now (missed-dose, adherence-low, assessment-due)',
  usage: [
    'haven alerts run [--rule R] [--dry-run]',
    '',
    `Runs the scheduled alert rules (${scheduledRuleCodes().join(', ')}) for every patient, or only`,
    'rule R, and prints one line per alert: raised, escalated, evidence added or unchanged. A rule',
    'whose Flag is already open raises no second one. --dry-run writes nothing and prints what would',
    'be raised. Uses DATABASE_URL, or the embedded database in DATA_DIR (stop the server first).',
  ].join('\n'),
  async run(args) {
    const [action, ...rest] = args;
    if (action !== 'run') {
      console.error('Usage: haven alerts run [--rule R] [--dry-run]');
      return 2;
    }
    let rule: string | undefined;
    let dryRun = false;
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--dry-run') dryRun = true;
      else if (rest[i] === '--rule' && rest[i + 1]) rule = rest[++i];
      else if (rest[i].startsWith('--rule=')) rule = rest[i].slice('--rule='.length);
      else {
        console.error(`Unknown option "${rest[i]}"\nUsage: haven alerts run [--rule R] [--dry-run]`);
        return 2;
      }
    }
    if (rule && !scheduledRuleCodes().includes(rule)) {
      console.error(`Unknown scheduled rule "${rule}"; one of ${scheduledRuleCodes().join(', ')}`);
      return 2;
    }
    const config = loadConfig();
    const services = await openServices(config);
    try {
      const report = await runScheduledAlerts(services, { now: new Date(), ...(rule ? { rule } : {}), dryRun });
      if (report.skipped) {
        console.log('another instance is running the scheduled alerts now; nothing done');
        return 0;
      }
      for (const a of report.alerts)
        console.log(`${dryRun ? DRY[a.action] : a.action}\t${a.rule}\t${a.severity}\tPatient/${a.patientId}\t${a.flag}\t${a.text}`);
      console.log(`${report.patients} patients checked, ${report.alerts.filter((a) => a.action === 'raised').length} ${dryRun ? 'would be ' : ''}raised`);
      return 0;
    } finally {
      await services.db.close();
    }
  },
};
