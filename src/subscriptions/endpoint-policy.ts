// Where Haven may POST notifications: the origins of SUBSCRIPTION_ORIGINS, or without it only https
// endpoints outside loopback and private networks (CONTRACT "Subscriptions"). A notification can
// carry PHI and is sent from inside the hospital network: an endpoint must not be a way to reach
// Haven's own neighbours.
import { isIP } from 'node:net';

/** Why the endpoint is refused, or undefined when Haven may deliver to it. */
export function endpointRefusal(endpoint: string, origins: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `channel.endpoint "${endpoint}" is not an absolute URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `channel.endpoint must be an http(s) URL, got "${url.protocol}"`;
  if (url.username || url.password) return 'channel.endpoint must not carry credentials; send them in channel.header';
  if (origins.includes('*')) return undefined;
  if (origins.length) {
    return origins.includes(url.origin) ? undefined : `channel.endpoint ${url.origin} is not among the origins this server delivers to (SUBSCRIPTION_ORIGINS)`;
  }
  if (url.protocol !== 'https:') return 'channel.endpoint must be https (SUBSCRIPTION_ORIGINS is not set)';
  if (isLocalHost(url.hostname)) return `channel.endpoint ${url.hostname} is on a loopback or private network`;
  return undefined;
}

/** Loopback, private, link-local and unique-local hosts, by name or literal address. */
export function isLocalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return true;
  const kind = isIP(host);
  if (kind === 4) return isPrivateV4(host);
  if (kind === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    if (mapped) return isPrivateV4(mapped[1]);
    return host === '::1' || host === '::' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host);
  }
  return false;
}

function isPrivateV4(address: string): boolean {
  const [a, b] = address.split('.').map(Number);
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}
