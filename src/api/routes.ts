// The app-records API under /api/v1 (CONTRACT, "App records API"): one set of generic routes per
// record kind, each kind a small definition over its pure mapper.
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import { assessments } from './kinds/assessments.js';
import { carePlans } from './kinds/care-plans.js';
import { medicationLogs } from './kinds/medication-logs.js';
import { medications } from './kinds/medications.js';
import { moodEntries } from './kinds/mood-entries.js';
import { vitals } from './kinds/vitals.js';
import type { RecordDefinition } from './record-definition.js';
import { registerRecordRoutes } from './record-routes.js';

export const RECORD_DEFINITIONS: readonly RecordDefinition[] = [moodEntries, vitals, medications, medicationLogs, assessments, carePlans];

export function appRecordRoutes(runtime: Runtime) {
  return async function appRecords(api: FastifyInstance): Promise<void> {
    for (const definition of RECORD_DEFINITIONS) registerRecordRoutes(api, runtime, definition);
  };
}
