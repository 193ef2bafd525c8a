import { parseArgs } from 'node:util';
import { KeyRing, keySource } from '../auth/keys.js';
import { parseScopes } from '../auth/scopes.js';
import { tokenSettings } from '../auth/services.js';
import { mintAccessToken } from '../auth/tokens.js';
import { loadConfig } from '../config.js';
import { isFhirId } from '../grammar/id.js';
import { FHIR_USER_TYPES, parseReferenceAtEnd } from '../grammar/reference.js';
import type { Database } from '../store/db.js';
import { openDatabase } from '../store/open-database.js';
import type { Command } from './command.js';

const USAGE = `haven token --scope "<scopes>" [--patient <id>] [--fhir-user <reference>] [--ttl <seconds>]

Prints an access token that the server run with the same DATA_DIR (or the same DATABASE_URL and
KEYS_DIR) accepts. It works while that server runs: with the embedded database the keys are read
from files under DATA_DIR/keys (or KEYS_DIR), never from the database.

  --scope      space-separated SMART scopes, e.g. "system/*.rs", "patient/*.rs", "admin"
  --patient    the patient id that patient/ scopes are confined to
  --fhir-user  the user, e.g. Practitioner/123 (user/ scopes follow their care relationships)
  --ttl        lifetime in seconds (default 3600)`;

export const tokenCommand: Command = {
  name: 'token',
  summary: 'Print an access token for the given scopes (works while the server runs)',
  usage: USAGE,
  async run(args) {
    let values: { scope?: string; patient?: string; 'fhir-user'?: string; ttl?: string };
    try {
      ({ values } = parseArgs({
        args,
        options: { scope: { type: 'string' }, patient: { type: 'string' }, 'fhir-user': { type: 'string' }, ttl: { type: 'string' } },
        strict: true,
        allowPositionals: false,
      }));
    } catch (error) {
      console.error(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const problem = check(values);
    if (problem) {
      console.error(`${problem}\n\n${USAGE}`);
      return 2;
    }
    const config = loadConfig();
    let db: Database | undefined;
    try {
      // Keys in files need no database; keys in the database (DATABASE_URL, no KEYS_DIR) do.
      if (!config.auth.keysDir) db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
      const keys = new KeyRing(keySource(config.auth.keysDir, () => db as Database));
      const token = await mintAccessToken(keys, tokenSettings(config), {
        scope: values.scope!.split(/\s+/).filter(Boolean).join(' '),
        ttlSeconds: values.ttl ? Number(values.ttl) : 3600,
        ...(values.patient ? { patient: values.patient } : {}),
        ...(values['fhir-user'] ? { fhirUser: values['fhir-user'] } : {}),
        subject: values['fhir-user'] ?? 'haven-cli',
      });
      console.log(token);
      return 0;
    } finally {
      await db?.close();
    }
  },
};

function check(values: { scope?: string; patient?: string; 'fhir-user'?: string; ttl?: string }): string | undefined {
  if (!values.scope?.trim()) return '--scope is required';
  const { invalid } = parseScopes(values.scope.split(/\s+/).filter(Boolean).join(' '));
  if (invalid.length) return `Not valid SMART scopes: ${invalid.join(' ')}`;
  if (values.patient !== undefined && !isFhirId(values.patient)) return '--patient must be a FHIR id';
  if (values['fhir-user'] !== undefined && !parseReferenceAtEnd(values['fhir-user'], { types: FHIR_USER_TYPES, versioned: false })) {
    return '--fhir-user must be a reference such as Practitioner/123';
  }
  if (values.ttl !== undefined && (!/^\d{1,8}$/.test(values.ttl) || Number(values.ttl) < 1)) return '--ttl must be a whole number of seconds';
  return undefined;
}
