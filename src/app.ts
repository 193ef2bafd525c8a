// buildApp: the Fastify instance with Haven's plugins. No module-level state: tests build as many
// apps as they like.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { OAuthError } from './auth/oauth-error.js';
import { summaryRoutes } from './api/summary-routes.js';
import { authPlugin } from './auth/plugin.js';
import { oauthRoutes } from './oauth/plugin.js';
import { refuseUndeclaredRoutes } from './auth/hooks.js';
import { appRecordRoutes } from './api/routes.js';
import { dashboardHost } from './app-host/plugin.js';
import { auditDenial } from './audit/denied.js';
import type { Config } from './config.js';
import { FhirError, type ErrorCode, type Issue } from './errors.js';
import { FHIR_JSON_UTF8 } from './fhir/http.js';
import { operationOutcome } from './fhir/outcome.js';
import { fhirRoutes } from './fhir/routes.js';
import { ping } from './store/ping.js';
import { registerAuditRoutes } from './audit/routes.js';
import { bulkRoutes } from './bulk/routes.js';
import { subscriptionRoutes } from './subscriptions/routes.js';
import { parseJsonBody } from './json/body.js';
import type { Runtime } from './runtime.js';
import { NO_ACCESS, type StoreContext } from './store/context.js';
import { dbFailure } from './store/db-errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who acts and what they may see: set before any handler runs, passed to every store call. */
    haven: StoreContext;
    /** The media type negotiated for the answer (Accept / _format). */
    responseType: string;
  }
}

export interface AppOptions {
  config: Config;
  runtime: Runtime;
  /** Fastify logger options; false for none (tests). */
  logger?: FastifyServerOptions['logger'];
}

/** Request ids from clients are kept when they are plain tokens, so logs can be correlated (not FHIR ids: ':' and '_' allowed). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function buildApp({ config, runtime, logger }: AppOptions): FastifyInstance {
  const app = Fastify({
    // Request logging is Haven's own one line per response (onResponse below): method, route
    // pattern, status, time, request id. Never bodies, query values or ids: they carry PHI.
    logger: logger ?? { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Fastify's own refusals before routing (a path with malformed %-escapes...) as OperationOutcomes.
    frameworkErrors: (error, _request, reply) => {
      const status = (error as { statusCode?: number }).statusCode ?? 400;
      const diagnostics = error.code === 'FST_ERR_BAD_URL' ? 'The request path has a malformed %-escape' : 'The request could not be read';
      (reply as unknown as FastifyReply)
        .code(status >= 400 && status < 500 ? status : 400)
        .type(FHIR_JSON_UTF8)
        .send(JSON.stringify(operationOutcome([{ severity: 'error', code: 'structure', diagnostics, errorCode: 'malformed-request' }])));
    },
  });

  registerBodyParsers(app);
  // Before any route: a route under a protected prefix without smart(...) fails app.ready().
  refuseUndeclaredRoutes(app);

  app.decorateRequest('haven', null as unknown as StoreContext);
  app.decorateRequest('responseType', FHIR_JSON_UTF8);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
    // Nothing is reachable until the authorization hook (src/auth/hooks.ts) grants it.
    request.haven = { actor: { requestId: request.id, sourceAddress: request.ip }, access: NO_ACCESS };
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? '(no route)',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error instanceof OAuthError) {
      // OAuth refusals of the token endpoint (invalid_client, ...) are part of the audit trail too.
      if (error.status === 401 || error.status === 403) await auditDenial(runtime, request, error.status);
      return reply
        .code(error.status)
        .headers({ ...error.headers, 'Cache-Control': 'no-store', Pragma: 'no-cache' })
        .send(error.body);
    }
    const { status, issues, headers } = describeError(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    // Refusals are part of the audit trail: who was turned away, from what, without PHI.
    if (status === 401 || status === 403) await auditDenial(runtime, request, status);
    return reply
      .code(status)
      .headers(headers)
      .type(FHIR_JSON_UTF8)
      .send(JSON.stringify(operationOutcome(issues)));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    return reply
      .code(404)
      .type(FHIR_JSON_UTF8)
      .send(
        JSON.stringify(
          operationOutcome([
            { severity: 'error', code: 'not-found', diagnostics: `No endpoint ${request.method} ${path.slice(0, 200)}`, errorCode: 'no-endpoint' },
          ]),
        ),
      );
  });

  app.get('/healthz', async (_request, reply) => {
    if (!runtime.ready) return reply.code(503).send({ status: 'starting' });
    try {
      await ping(runtime.services.db);
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'database unavailable' });
    }
  });

  app.register(authPlugin(runtime, config));
  app.register(oauthRoutes(runtime, config));
  app.register(fhirRoutes(runtime, [registerAuditRoutes]), { prefix: '/fhir' });
  app.register(bulkRoutes(runtime), { prefix: '/fhir' });
  app.register(subscriptionRoutes(runtime), { prefix: '/fhir' });
  app.register(appRecordRoutes(runtime), { prefix: '/api/v1' });
  app.register(summaryRoutes(runtime), { prefix: '/api/v1' });
  app.register(dashboardHost(config));
  return app;
}

function registerBodyParsers(app: FastifyInstance): void {
  // Only what Haven reads: other media types answer 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/fhir+json', 'application/json-patch+json'], { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, new URLSearchParams(body as string));
  });
  // Any other media type: refused when there is a body, ignored when there is none.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, undefined);
    done(Object.assign(new Error('Unsupported Content-Type'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }), undefined);
  });
}

/** Every failure as status, issues and headers; nothing internal (stack, SQL) reaches the client. */
function describeError(error: FastifyError): { status: number; issues: Issue[]; headers: Record<string, string> } {
  if (error instanceof FhirError) return { status: error.status, issues: error.issues, headers: error.headers };
  const issue = (code: Issue['code'], diagnostics: string, errorCode: ErrorCode): Issue[] => [{ severity: 'error', code, diagnostics, errorCode }];
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, issues: issue('too-long', 'The request body is larger than this server accepts', 'body-too-large'), headers: {} };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, issues: issue('not-supported', 'Unsupported Content-Type; send application/fhir+json', 'unsupported-media-type'), headers: {} };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, issues: issue('structure', 'The request body is empty', 'malformed-body'), headers: {} };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, issues: issue('structure', 'The request body is not valid JSON', 'malformed-body'), headers: {} };
  }
  if (error instanceof SyntaxError || (error as { statusCode?: number }).statusCode === 400) {
    return { status: 400, issues: issue('structure', `The request could not be read: ${error.message}`, 'malformed-request'), headers: {} };
  }
  const statusCode = (error as { statusCode?: number }).statusCode;
  if (statusCode && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, issues: issue('invalid', error.message, 'malformed-request'), headers: {} };
  }
  // Database failures by their category (store/db-errors.ts), each to its status.
  switch (dbFailure(error)) {
    case 'timeout':
      return statementTimedOut();
    case 'concurrent':
      return { status: 409, issues: issue('transient', 'The request conflicted with a concurrent one; retry it', 'concurrent-change'), headers: {} };
    case 'unavailable':
      return { status: 503, issues: issue('transient', 'The database is unavailable; retry shortly', 'unavailable'), headers: { 'Retry-After': '5' } };
  }
  return {
    status: 500,
    issues: issue('exception', 'Internal server error; the request id in X-Request-Id helps the operator find it', 'internal-error'),
    headers: {},
  };
}

/**
 * A statement cancelled by statement_timeout (DB_STATEMENT_TIMEOUT_MS): 503 with issue code
 * `timeout`. Not 500 (nothing is broken), not 408 (that is the client being slow to send), not a
 * 4xx (the same request may well succeed when the server is less loaded); 503 is the server
 * declining work it cannot finish in time, as FHIR's transient `timeout` issue says.
 */
export function statementTimedOut(): { status: number; issues: Issue[]; headers: Record<string, string> } {
  return {
    status: 503,
    issues: [
      {
        severity: 'error',
        code: 'timeout',
        errorCode: 'timeout',
        diagnostics:
          'The request took longer than this server allows a database statement (DB_STATEMENT_TIMEOUT_MS) and was cancelled; narrow it (fewer parameters or includes, a smaller _count) or retry later',
      },
    ],
    headers: {},
  };
}
