// Issue 20: every statement has a time limit (DB_STATEMENT_TIMEOUT_MS). On PostgreSQL a statement
// that runs past it is cancelled (SQLSTATE 57014) and answers 503 with an OperationOutcome of code
// `timeout`, while the server goes on answering /healthz and other requests. PGlite accepts the
// setting but cannot cancel (a statement runs synchronously in WebAssembly on Node's event loop):
// there the search bounds hold, and the issue's 3,000-repetition search is refused before any SQL
// runs, so /healthz answers alongside it.
import t from 'tap';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { mintAccessToken } from '../../src/auth/tokens.js';
import { loadConfig } from '../../src/config.js';
import { createServices, Runtime } from '../../src/runtime.js';
import { openPostgres } from '../../src/store/postgres.js';
import { createPostgresDatabase, engine } from '../helpers/database.js';
import { readResponse, sharedValidator, testApp, TEST_BASE_URL, TEST_KEYS_DIR } from '../helpers/app.js';
import { errorCode } from '../helpers/outcome.js';

t.test('the issue’s search is refused at once and /healthz answers beside it (both engines)', async (t) => {
  const app = await testApp(t);
  const query = Array.from({ length: 3000 }, (_, i) => `value-quantity=gt${i}`).join('&');
  const [search, health] = await Promise.all([
    app.app.inject({
      method: 'POST',
      url: '/fhir/Observation/_search',
      payload: query,
      headers: { authorization: app.authorization, 'content-type': 'application/x-www-form-urlencoded' },
    }),
    app.app.inject({ method: 'GET', url: '/healthz' }),
  ]);
  t.equal(search.statusCode, 400, 'a 65 KB search answers 400');
  t.match(search.body, /too-costly/);
  t.equal(health.statusCode, 200, '/healthz answers');
  t.equal(app.config.dbStatementTimeoutMs, 30000, 'every statement has a limit by default');
});

t.test('PGlite accepts the statement timeout setting', { skip: engine !== 'pglite' && 'PGlite only' }, async (t) => {
  const { openPglite } = await import('../../src/store/pglite.js');
  const db = await openPglite({ statementTimeoutMs: 1234 });
  t.teardown(() => db.close());
  const { rows } = await db.query<{ statement_timeout: string }>('SHOW statement_timeout');
  t.equal(rows[0].statement_timeout, '1234ms');
});

t.test(
  'PostgreSQL cancels a statement past DB_STATEMENT_TIMEOUT_MS: 503 timeout, the server goes on',
  { skip: engine !== 'postgres' && 'needs DATABASE_URL' },
  async (t) => {
    const url = await createPostgresDatabase(t);
    const config = loadConfig({
      BASE_URL: TEST_BASE_URL,
      DATA_DIR: '/nonexistent',
      KEYS_DIR: TEST_KEYS_DIR,
      DATABASE_URL: url,
      DB_STATEMENT_TIMEOUT_MS: '400',
    });
    const db = await openPostgres(url, 4, { statementTimeoutMs: config.dbStatementTimeoutMs });
    t.teardown(() => db.close());
    const runtime = new Runtime();
    const services = createServices(config, db, { validator: sharedValidator() });
    runtime.set(services);
    const app = buildApp({ config, runtime, logger: false });
    await app.ready();
    t.teardown(() => app.close());
    const token = await mintAccessToken(services.auth.keys, services.auth.settings, { scope: 'system/*.cruds', ttlSeconds: 600 });
    const fhir = async (method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown) =>
      readResponse(
        await app.inject({
          method,
          url: `/fhir/${path}`,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/fhir+json' } : {}) },
          ...(body ? { payload: JSON.stringify(body) } : {}),
        }),
      );
    t.equal((await fhir('PUT', 'Patient/slow', { resourceType: 'Patient', id: 'slow' })).status, 201);
    const { rows } = await db.query<{ statement_timeout: string }>('SHOW statement_timeout');
    t.equal(rows[0].statement_timeout, '400ms', 'the pool’s connections carry the limit');

    // Another session holds the Patient's row: the update's SELECT … FOR UPDATE waits, past the limit.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    t.teardown(() => holder.end());
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM resource WHERE resource_type = 'Patient' AND id = 'slow' FOR UPDATE`);
    const slow = fhir('PUT', 'Patient/slow', { resourceType: 'Patient', id: 'slow', active: true });
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    t.equal(health.statusCode, 200, '/healthz answers while the slow request waits');
    t.equal((await fhir('GET', 'Patient/slow')).status, 200, 'other requests are served meanwhile');
    const cut = await slow;
    t.equal(cut.status, 503, `the slow request is cut off (${cut.body.slice(0, 200)})`);
    t.equal(cut.json?.resourceType, 'OperationOutcome');
    t.equal(cut.json?.issue?.[0]?.code, 'timeout');
    t.equal(errorCode(cut.json), 'timeout');

    // In a batch the entry answers 503 and the others go on.
    const batch = await fhir('POST', '', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Patient', id: 'slow', active: false }, request: { method: 'PUT', url: 'Patient/slow' } },
        { resource: { resourceType: 'Patient', id: 'other' }, request: { method: 'PUT', url: 'Patient/other' } },
      ],
    });
    t.equal(batch.status, 200, batch.body.slice(0, 200));
    t.match(batch.json?.entry?.[0]?.response?.status, /^503/, 'the waiting entry is cut off');
    t.match(batch.json?.entry?.[1]?.response?.status, /^201/, 'the other entry is written');

    await holder.query('ROLLBACK');
    t.equal((await fhir('PUT', 'Patient/slow', { resourceType: 'Patient', id: 'slow', active: true })).status, 200, 'once the row is free the update succeeds');
  },
);
