// GET /api/v1/patients/{patientId}/summary?days=N: mood trend, latest vitals, medication adherence,
// latest assessments and open risk flags of one patient, computed from the FHIR store as the
// caller sees it (docs/api-summary.md).
import type { FastifyInstance } from 'fastify';
import { smart } from '../auth/hooks.js';
import { FhirError } from '../errors.js';
import { isFhirId } from '../grammar/id.js';
import type { Runtime } from '../runtime.js';
import { callerReader } from './record-reader.js';
import { SUMMARY_TYPES, SummaryReader } from './summary/records.js';
import { buildSummary } from './summary/summary.js';
import { summaryWindow } from '../clinical/window.js';

export const DEFAULT_DAYS = 30;
/** Ten years: a therapist reviewing years of treatment needs the long view (the trend turns weekly past a year). */
export const MAX_DAYS = 3650;

export type Clock = () => Date;

export function summaryRoutes(runtime: Runtime, clock: Clock = () => new Date()) {
  return async function summary(app: FastifyInstance): Promise<void> {
    app.get<{ Params: { patientId: string }; Querystring: { days?: string | string[] } }>(
      '/patients/:patientId/summary',
      // Each type by the token's own search rights; a patient/ token reaches only its compartment.
      smart({ interaction: 'search-type', resourceType: SUMMARY_TYPES }),
      async (request, reply) => {
        const days = parseDays(request.query.days);
        const { patientId } = request.params;
        const { search, store, config } = runtime.services;
        const reader = new SummaryReader(callerReader(search, store, request.haven), patientId, config.maxPageSize);
        // Unknown, or not visible to this token: the same answer, so nothing of the patient leaks.
        if (!isFhirId(patientId) || !(await reader.patientVisible())) throw FhirError.notFound('not-found', `Patient ${patientId.slice(0, 64)} is not known`);
        const window = summaryWindow(days, clock());
        const records = await reader.read(window);
        return reply.type('application/json; charset=utf-8').send(buildSummary(patientId, records, window));
      },
    );
  };
}

/** `days`: a whole number from 1 to MAX_DAYS, DEFAULT_DAYS when absent. */
export function parseDays(value: string | string[] | undefined): number {
  if (value === undefined) return DEFAULT_DAYS;
  const days = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(days >= 1 && days <= MAX_DAYS)) {
    throw FhirError.badRequest('invalid-parameter', `days must be a whole number of days from 1 to ${MAX_DAYS}, given once (default ${DEFAULT_DAYS})`, [
      'days',
    ]);
  }
  return days;
}
