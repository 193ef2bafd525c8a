// One notification POST: the Subscription's header lines, the body (or none), a timeout on the whole
// call, and no redirects followed (a redirect could lead the PHI anywhere). Without
// SUBSCRIPTION_ORIGINS the endpoint's name is resolved first and refused when it points into a
// loopback or private network, which the check at creation cannot see.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isLocalHost } from './endpoint-policy.js';

export interface DeliveryRequest {
  endpoint: string;
  headers: readonly string[];
  /** The resource as stored, or undefined for an empty body. */
  body?: string;
  contentType?: string;
  timeoutMs: number;
  /** SUBSCRIPTION_ORIGINS; empty means "public https only", which is checked on the resolved address. */
  origins: readonly string[];
}

export type DeliveryResult = { ok: true; status: number } | { ok: false; error: string };

export async function deliver(request: DeliveryRequest): Promise<DeliveryResult> {
  const url = new URL(request.endpoint);
  if (!request.origins.length && !isIP(url.hostname.replace(/^\[|\]$/g, ''))) {
    try {
      const addresses = await lookup(url.hostname, { all: true });
      if (addresses.some((a) => isLocalHost(a.address))) return { ok: false, error: `${url.hostname} resolves to a loopback or private address` };
    } catch {
      return { ok: false, error: `${url.hostname} could not be resolved` };
    }
  }
  const headers = new Headers();
  for (const line of request.headers) {
    const colon = line.indexOf(':');
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  if (request.body !== undefined) headers.set('Content-Type', request.contentType ?? 'application/fhir+json');
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    if (response.status >= 300 && response.status < 400)
      return { ok: false, error: `The endpoint answered ${response.status} (a redirect, which Haven does not follow)` };
    return { ok: false, error: `The endpoint answered ${response.status}` };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, error: `The endpoint did not answer within ${request.timeoutMs} ms` };
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, error: `The endpoint could not be reached${cause ? ` (${cause})` : ''}` };
  }
}

/** Exponential back-off with jitter: base·2^(n-1), capped at an hour, then between half and all of it. */
export function retryDelay(baseMs: number, attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(3_600_000, baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
