// The two cookies of signing in: `haven_browser` binds pending requests to the browser that began
// them (login CSRF), `haven_session` is the login session. HttpOnly, SameSite=Lax, path /auth,
// Secure whenever Haven is served over https.
import type { FastifyReply, FastifyRequest } from 'fastify';

export const BROWSER_COOKIE = 'haven_browser';
export const SESSION_COOKIE = 'haven_session';

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

export function setCookie(reply: FastifyReply, name: string, value: string, options: { secure: boolean; maxAge?: number }): void {
  const parts = [`${name}=${value}`, 'Path=/auth', 'HttpOnly', 'SameSite=Lax'];
  if (options.secure) parts.push('Secure');
  if (options.maxAge !== undefined) parts.push(`Max-Age=${options.maxAge}`);
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  reply.header('set-cookie', [...list, parts.join('; ')]);
}
