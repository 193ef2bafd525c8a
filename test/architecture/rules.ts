// The rules test/architecture.test.ts enforces over src/ (and docs/architecture.md states).
import type { Wall } from './checker.js';

/** Rooms built on the store: store/ imports none of them. */
const ABOVE_STORE = ['fhir', 'auth', 'api', 'audit', 'oauth', 'bulk', 'subscriptions', 'alerts', 'hooks', 'app-host', 'commands', 'jobs', 'conformance'];

export const WALLS: readonly Wall[] = [
  {
    room: 'src/store',
    forbidden: [...ABOVE_STORE.map((room) => `src/${room}`), 'src/clinical', 'src/runtime.ts', 'src/app.ts', 'src/server.ts', 'src/config.ts', 'fastify'],
  },
  // App records <-> FHIR, pure: no HTTP, no database.
  { room: 'src/mappers', forbidden: ['fastify', 'src/store'] },
  // Clinical computations over app records (adherence, day windows), pure: built on mappers/ alone.
  { room: 'src/clinical', forbidden: ['fastify', 'src/store', ...ABOVE_STORE.map((room) => `src/${room}`)] },
];

/** Where SQL statements may be written. (Migrations are .sql files outside src/.) */
export const SQL_ROOMS = ['src/store'];

/**
 * The composition root: the files that build the services and the server out of every room, and
 * the `haven` commands. They import everything; `Services` (runtime.ts) is still imported by many
 * handlers for its type, so it is left out of the room graph until those take narrower arguments.
 */
export const COMPOSITION_ROOT = ['src/runtime.ts', 'src/app.ts', 'src/server.ts', 'src/main.ts', 'src/cli.ts', 'src/commands'];
