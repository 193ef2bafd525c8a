// `haven user add | list | disable | password`: logins for the people who sign in to SMART apps.
// Passwords come only from standard input (one line), never from the command line, where they
// would show in the process list and the shell history.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import type { Command } from '../commands/command.js';
import { migrationsDir } from '../paths.js';
import type { Database } from '../store/db.js';
import { openDatabase } from '../store/open-database.js';
import { loadMigrations, migrate } from '../store/migrate.js';
import { addUser, disableUser, listUsers, setPassword, UserError } from './users.js';

const USAGE = `haven user add --username NAME --fhir-user Practitioner/ID|Patient/ID|RelatedPerson/ID
haven user list
haven user disable --username NAME
haven user password --username NAME

add and password read the password from standard input (one line), e.g.
  printf '%s\\n' "$PASSWORD" | npx haven user add --username dr.lee --fhir-user Practitioner/123
Disabling a user ends their sessions and revokes every token their apps hold.

Uses DATABASE_URL, or the embedded database in DATA_DIR (stop the server first: the embedded
database allows one process at a time).`;

export const userCommand: Command = {
  name: 'user',
  summary: 'Logins of people who sign in to SMART apps: "user add|list|disable|password"',
  usage: USAGE,
  async run(args) {
    const [action, ...rest] = args;
    let values: { username?: string; 'fhir-user'?: string };
    try {
      ({ values } = parseArgs({ args: rest, options: { username: { type: 'string' }, 'fhir-user': { type: 'string' } }, strict: true }));
    } catch (error) {
      console.error(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const problem = check(action, values);
    if (problem) {
      console.error(`${problem}\n\n${USAGE}`);
      return 2;
    }
    const password = action === 'add' || action === 'password' ? await readPassword() : '';
    const config = loadConfig();
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
    try {
      // A fresh embedded database has no tables until the server's first start.
      await migrate(db, loadMigrations(migrationsDir));
      return await runAction(db, action, values.username ?? '', values['fhir-user'] ?? '', password);
    } catch (error) {
      if (error instanceof UserError) {
        console.error(error.message);
        return 1;
      }
      throw error;
    } finally {
      await db.close();
    }
  },
};

async function runAction(db: Database, action: string, username: string, fhirUser: string, password: string): Promise<number> {
  switch (action) {
    case 'add': {
      const user = await addUser(db, username, fhirUser, password);
      console.log(`added ${user.username} (${user.fhirUser})`);
      return 0;
    }
    case 'list':
      for (const user of await listUsers(db)) {
        console.log([user.username, user.fhirUser, user.disabledAt ? `disabled ${user.disabledAt.toISOString()}` : 'active'].join('\t'));
      }
      return 0;
    case 'disable':
      if (!(await disableUser(db, username))) return notFound(username);
      console.log(`disabled ${username}`);
      return 0;
    default:
      if (!(await setPassword(db, username, password))) return notFound(username);
      console.log(`password changed for ${username}`);
      return 0;
  }
}

function notFound(username: string): number {
  console.error(`No user named ${username}`);
  return 1;
}

function check(action: string | undefined, values: { username?: string; 'fhir-user'?: string }): string | undefined {
  if (!['add', 'list', 'disable', 'password'].includes(action ?? '')) return 'Say what to do: add, list, disable or password';
  if (action !== 'list' && !values.username) return '--username is required';
  if (action === 'add' && !values['fhir-user']) return '--fhir-user is required';
  if (action !== 'add' && values['fhir-user']) return '--fhir-user is only for add';
  return undefined;
}

/** The first line of standard input, without its line ending. */
async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if (Buffer.concat(chunks).includes(0x0a)) break;
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
}
