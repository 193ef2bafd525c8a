// Serves the care-team dashboard (app/, built by `npm run build` into dist/app/) at {BASE_URL}/app/.
// The dashboard is a SMART app like any other: it gets its token through SMART App Launch and reads
// only /fhir and /api/v1, so this plugin serves files and one small config document, nothing else.
// Every answer carries a strict Content-Security-Policy: scripts and styles only from this origin,
// no inline code, no frames, requests only to Haven itself.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { smart } from '../auth/hooks.js';
import type { Config } from '../config.js';
import { packageRoot } from '../paths.js';
import { dashboardUris } from './dashboard-client.js';

export const DASHBOARD_DIR = path.join(packageRoot, 'dist', 'app');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

export function contentSecurityPolicy(config: Config): string {
  const origin = new URL(config.baseUrl).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${origin}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function dashboardHost(config: Config, dir: string = DASHBOARD_DIR) {
  return async function dashboard(app: FastifyInstance): Promise<void> {
    // The files are read once: the bundle is small and a fixed list means no path ever reaches
    // the file system from a request.
    const files = new Map<string, Buffer>();
    if (existsSync(dir)) for (const name of readdirSync(dir)) if (TYPES[path.extname(name)]) files.set(name, readFileSync(path.join(dir, name)));
    const csp = contentSecurityPolicy(config);
    const secure = (reply: FastifyReply) =>
      reply.headers({
        'Content-Security-Policy': csp,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cache-Control': 'no-store',
      });
    const send = (reply: FastifyReply, name: string) => {
      const body = files.get(name);
      if (!body) {
        return secure(reply)
          .code(404)
          .type(TYPES['.txt'])
          .send(name === 'index.html' ? 'The dashboard is not built: run `npm run build`.' : 'Not found');
      }
      return secure(reply).type(TYPES[path.extname(name)]).send(body);
    };

    // To BASE_URL's /app/: behind a path prefix, a bare /app/ would leave it.
    app.get('/app', smart('public'), async (_request, reply) => reply.redirect(dashboardUris(config).redirectUri, 301));
    app.get('/app/', smart('public'), async (_request, reply) => send(reply, 'index.html'));
    // The EHR launch URL: the same page, which sees its path and starts the authorization.
    app.get('/app/launch.html', smart('public'), async (_request, reply) => send(reply, 'index.html'));
    // Where the app learns the FHIR base, its client id and its registered redirect URI (the same
    // values for everyone, all from BASE_URL: not from the address the browser happened to use).
    app.get('/app/config.json', smart('public'), async (_request, reply) =>
      secure(reply)
        .type(TYPES['.json'])
        .send({
          fhirBaseUrl: config.fhirBaseUrl,
          apiBaseUrl: `${config.baseUrl}/api/v1`,
          clientId: config.dashboardClientId,
          redirectUri: dashboardUris(config).redirectUri,
        }),
    );
    app.get<{ Params: { file: string } }>('/app/:file', smart('public'), async (request, reply) => send(reply, request.params.file));
  };
}
