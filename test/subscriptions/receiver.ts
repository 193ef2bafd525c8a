// A local HTTP endpoint for Subscription tests: records every notification it gets and answers
// with the status the test sets (or is down: connections refused).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  /** Origin, e.g. http://127.0.0.1:43123 (for SUBSCRIPTION_ORIGINS). */
  origin: string;
  url(path?: string): string;
  received: Received[];
  /** Status answered from now on (default 200). */
  status: number;
  /** Stops listening (connections refused) until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

interface TestLike {
  teardown(fn: () => unknown): void;
}

export async function startReceiver(t: TestLike, port = 0): Promise<Receiver> {
  let server: Server | undefined;
  let boundPort = port;
  const receiver: Receiver = {
    origin: '',
    url: (path = '/hook') => `${receiver.origin}${path}`,
    received: [],
    status: 200,
    async down() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()).closeAllConnections());
    },
    async up() {
      if (server) return;
      const s = createServer((request, response) => {
        let body = '';
        request.setEncoding('utf8');
        request.on('data', (chunk) => (body += chunk));
        request.on('end', () => {
          receiver.received.push({ path: request.url ?? '', headers: request.headers, body });
          response.writeHead(receiver.status, { connection: 'close' }).end();
        });
      });
      await new Promise<void>((resolve) => s.listen(boundPort, '127.0.0.1', () => resolve()));
      boundPort = (s.address() as AddressInfo).port;
      receiver.origin = `http://127.0.0.1:${boundPort}`;
      server = s;
    },
    close: () => receiver.down(),
  };
  await receiver.up();
  t.teardown(() => receiver.close());
  return receiver;
}

/** Waits until `check` holds (polling), or fails after `ms`. Timing is never asserted. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
