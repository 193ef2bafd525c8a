// The Bulk Data HTTP surface under /fhir (reference/bulk-data.md sections 1-6): kick-off at system,
// Patient and Group level, the status URL (poll, DELETE), and the files. A kick-off only writes a
// job row; the worker (worker.ts) does the export.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Grant } from '../auth/grant.js';
import { smart } from '../auth/hooks.js';
import { FhirError } from '../errors.js';
import { FHIR_JSON_UTF8, checkId } from '../fhir/http.js';
import { informational, operationOutcome } from '../fhir/outcome.js';
import type { Runtime, Services } from '../runtime.js';
import { recordBulkEvent } from '../store/bulk/audit-events.js';
import { claimsOf, clientKey, hasSystemScopes, readAccess, systemOnly } from './export-access.js';
import { ExportFiles } from './files.js';
import { ExportJobs, type ExportJob, type ExportLevel, type ExportParams, type OutputFile } from '../store/bulk/jobs.js';
import { parseKickoff } from './kickoff-params.js';
import { groupMembers } from './group.js';

export const NDJSON = 'application/fhir+ndjson';

export function exportRoutes(runtime: Runtime) {
  return async function bulkExport(app: FastifyInstance): Promise<void> {
    app.get('/$export', smart('token', 'operation'), (request, reply) => kickOff(runtime.services, request, reply, 'system'));
    app.get('/Patient/$export', smart('token', 'operation'), (request, reply) => kickOff(runtime.services, request, reply, 'patient'));
    app.get<{ Params: { id: string } }>('/Group/:id/$export', smart('token', 'operation'), (request, reply) =>
      kickOff(runtime.services, request, reply, 'group', request.params.id),
    );
    const postRefused = async (): Promise<never> => {
      throw FhirError.of(
        'method-not-allowed',
        405,
        'not-supported',
        'Start an export with GET and query parameters; POST with a Parameters body is not supported',
      );
    };
    app.post('/$export', smart('token', 'operation'), postRefused);
    app.post('/Patient/$export', smart('token', 'operation'), postRefused);
    app.post('/Group/:id/$export', smart('token', 'operation'), postRefused);

    app.get<{ Params: { job: string } }>('/bulk/status/:job', smart('token'), async (request, reply) => {
      const services = runtime.services;
      const job = await ownJob(services, request, request.params.job);
      return status(services, job, reply);
    });
    app.delete<{ Params: { job: string } }>('/bulk/status/:job', smart('token'), async (request, reply) => {
      const services = runtime.services;
      const job = await ownJob(services, request, request.params.job);
      await new ExportJobs(services.db).cancel(job.id);
      // A finished job's files go now; a running one's once its worker has stopped (the clean-up).
      if (job.state !== 'running' && job.state !== 'queued') await new ExportFiles(services.config.bulk.dir).removeJob(job.id);
      return reply
        .code(202)
        .type(FHIR_JSON_UTF8)
        .send(JSON.stringify(informational('The export was cancelled; its files are deleted')));
    });
    app.get<{ Params: { job: string; file: string } }>('/bulk/files/:job/:file', smart('token'), async (request, reply) => {
      const services = runtime.services;
      const job = await ownJob(services, request, request.params.job);
      const listed = [...job.output, ...job.errors].find((f) => f.file === request.params.file);
      if (job.state !== 'completed' || !listed) throw FhirError.notFound('not-found', 'No such export file');
      const found = await new ExportFiles(services.config.bulk.dir).read(job.id, listed.file);
      if (!found) throw FhirError.notFound('not-found', 'This export file is gone (expired or deleted)');
      await recordBulkEvent(services.db, request.haven.actor, `bulk/files/${job.id}/${listed.file} (${listed.type}, ${listed.count} resources)`);
      return reply.code(200).header('Content-Length', found.size).type(NDJSON).send(found.stream);
    });
  };
}

async function kickOff(services: Services, request: FastifyRequest, reply: FastifyReply, level: ExportLevel, groupId?: string): Promise<FastifyReply> {
  const token = request.grant as Grant;
  // Bulk export is for backend services: patient/ and user/ tokens are refused (reference section 6).
  if (!hasSystemScopes(token))
    throw forbidden('Bulk export needs a backend-services token with system/ scopes (e.g. system/*.read); patient/ and user/ scopes cannot export');
  const grant = systemOnly(token);
  const { authorizer } = services.auth;
  // Route prerequisites: Patient for Patient and Group exports, Group too for a Group export.
  const prerequisites = level === 'system' ? [] : level === 'patient' ? ['Patient'] : ['Group', 'Patient'];
  for (const type of prerequisites) {
    if (!readAccess(authorizer, grant, type))
      throw forbidden(`A ${level === 'group' ? 'Group' : 'Patient'} export needs read access to ${type}: e.g. the scope system/${type}.read`);
  }
  const compartmentTypes = new Set(services.search.indexer.compartment.types);
  const exportable =
    level === 'system' ? services.validator.resourceTypes : new Set([...compartmentTypes].filter((t) => services.validator.resourceTypes.has(t)));
  const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
  const parsed = parseKickoff(query, exportable, services.search);

  let types: string[];
  const leftOut: string[] = [];
  if (parsed.types) {
    const refused = parsed.types.filter((t) => !readAccess(authorizer, grant, t));
    if (refused.length) throw forbidden(`This token's scopes do not allow reading ${refused.join(', ')}: e.g. the scope system/${refused[0]}.read`);
    types = parsed.types;
  } else {
    // Every type the client may read; AuditEvent only when _type names it (reference section 6).
    types = [];
    for (const t of exportable) {
      if (t === 'AuditEvent') continue;
      (readAccess(authorizer, grant, t) ? types : leftOut).push(t);
    }
    if (!types.length) throw forbidden("This token's system/ scopes allow reading none of the types this export would contain");
  }
  // Patient first: a client loading the files can resolve references as it goes.
  types.sort((a, b) => (a === 'Patient' ? -1 : b === 'Patient' ? 1 : 0));
  const params: ExportParams = {
    types,
    typeFilters: parsed.typeFilters,
    ...(parsed.since ? { since: parsed.since } : {}),
    ...(leftOut.length ? { leftOut } : {}),
  };
  if (level === 'group') {
    checkId(groupId as string);
    params.groupId = groupId;
    params.members = await groupMembers(services, request, grant, groupId as string);
  }

  const jobs = new ExportJobs(services.db);
  const client = clientKey(token);
  if ((await jobs.activeCount(client)) >= services.config.bulk.maxActiveJobs) {
    throw new FhirError(
      'throttled',
      429,
      {
        severity: 'error',
        code: 'throttled',
        diagnostics: `This client already has ${services.config.bulk.maxActiveJobs} exports waiting or running; wait for one to finish or cancel it`,
      },
      { 'Retry-After': '30' },
    );
  }
  const requestUrl = `${services.config.fhirBaseUrl}${request.url.slice('/fhir'.length)}`;
  const id = await jobs.create({ client, level, requestUrl, params, grant: claimsOf(token), actor: request.haven.actor });
  await recordBulkEvent(services.db, request.haven.actor, `${request.url.slice('/fhir/'.length).split('?')[0]} kick-off (job ${id}): ${query}`);
  return reply
    .code(202)
    .header('Content-Location', statusUrl(services, id))
    .type(FHIR_JSON_UTF8)
    .send(JSON.stringify(informational(`Export started; poll ${statusUrl(services, id)} for its progress`)));
}

function statusUrl(services: Services, id: string): string {
  return `${services.config.fhirBaseUrl}/bulk/status/${id}`;
}

/**
 * The job, when it belongs to this token's client and the token still covers its types; otherwise
 * 404 whether or not it exists (no existence oracle), as for cancelled and expired jobs.
 */
async function ownJob(services: Services, request: FastifyRequest, id: string): Promise<ExportJob> {
  const notFound = () => FhirError.notFound('not-found', "No such export (unknown, cancelled, expired, or not this client's)");
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw notFound(); // a job id (base64url), not a FHIR id
  const job = await new ExportJobs(services.db).get(id);
  const token = request.grant as Grant;
  if (!job || job.state === 'cancelled' || job.state === 'expired' || job.client !== clientKey(token)) throw notFound();
  const grant = systemOnly(token);
  if (job.params.types.some((t) => !readAccess(services.auth.authorizer, grant, t))) throw notFound();
  return job;
}

function status(services: Services, job: ExportJob, reply: FastifyReply): FastifyReply {
  if (job.state === 'queued' || job.state === 'running') {
    // Small jobs are polled often; a long one less and less (1 to 10 s).
    const seconds = Math.min(10, 1 + Math.floor((Date.now() - job.created.getTime()) / 30_000));
    return reply
      .code(202)
      .header('X-Progress', job.state === 'queued' ? 'waiting to start' : (job.progress ?? 'starting'))
      .header('Retry-After', String(seconds))
      .type(FHIR_JSON_UTF8)
      .send(JSON.stringify(informational(`Export ${job.state}`)));
  }
  if (job.state === 'failed') {
    const outcome = job.outcome ?? operationOutcome([{ severity: 'error', code: 'exception', errorCode: 'internal-error', diagnostics: 'The export failed' }]);
    return reply.code(500).type(FHIR_JSON_UTF8).send(JSON.stringify(outcome));
  }
  const base = services.config.fhirBaseUrl;
  const item = (f: OutputFile) => ({ type: f.type, url: `${base}/bulk/files/${job.id}/${f.file}`, count: f.count });
  const manifest = {
    transactionTime: job.transactionTime?.toISOString(),
    request: job.requestUrl,
    requiresAccessToken: true,
    output: job.output.filter((f) => f.count > 0).map(item),
    error: job.errors.map(item),
  };
  if (job.expires) reply.header('Expires', job.expires.toUTCString());
  return reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(manifest));
}

function forbidden(diagnostics: string): FhirError {
  return new FhirError(
    'scope-missing',
    403,
    { severity: 'error', code: 'forbidden', diagnostics },
    { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' },
  );
}
