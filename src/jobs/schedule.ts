// Scheduled jobs of a running server (node-cron). Each job takes its advisory lock first, so with
// several instances on one database it runs once. Stopping waits for a run in progress, which
// stops between steps.
import cron from 'node-cron';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { runScheduledAlerts, type ScheduledAlertServices } from '../alerts/scheduled/run.js';
import { runAuditMaintenance } from './audit-maintenance.js';

export interface Jobs {
  stop(): Promise<void>;
}

/** The audit maintenance needs the config and database; the scheduled alerts what they list. */
export function scheduleJobs(services: ScheduledAlertServices & { config: Config }, log: FastifyBaseLogger): Jobs {
  const { config, db } = services;
  const abort = new AbortController();
  let running: Promise<unknown> = Promise.resolve();
  const task = cron.schedule(
    config.audit.schedule,
    () => {
      running = runAuditMaintenance(db, {
        now: new Date(),
        retentionMonths: config.audit.retentionMonths,
        exportDir: config.audit.exportDir,
        signal: abort.signal,
        log: (message) => log.info(message),
      }).then(
        (report) => log.info({ job: 'audit-maintenance', skipped: report.skipped, removed: report.removed.length }, 'job done'),
        (error: unknown) => log.error({ err: error, job: 'audit-maintenance' }, 'job failed'),
      );
      return running;
    },
    { name: 'audit-maintenance', noOverlap: true, timezone: 'UTC' },
  );
  // Clinical alerts found on schedule (src/alerts/scheduled/): once across instances, idempotent.
  let alertsRunning: Promise<unknown> = Promise.resolve();
  const alerts =
    config.alertsSchedule === 'off'
      ? undefined
      : cron.schedule(
          config.alertsSchedule,
          () => {
            alertsRunning = runScheduledAlerts(services, { now: new Date(), signal: abort.signal }).then(
              (report) =>
                log.info(
                  { job: 'alerts', skipped: report.skipped, patients: report.patients, raised: report.alerts.filter((a) => a.action === 'raised').length },
                  'job done',
                ),
              (error: unknown) => log.error({ err: error, job: 'alerts' }, 'job failed'),
            );
            return alertsRunning;
          },
          { name: 'alerts', noOverlap: true, timezone: 'UTC' },
        );
  return {
    async stop() {
      abort.abort();
      await task.destroy();
      await alerts?.destroy();
      await running;
      await alertsRunning;
    },
  };
}
