// Requests answered 401 or 403 are recorded as failed AuditEvents, without PHI: no ids, no query,
// no diagnostics, only who was turned away, from which route pattern.
import type { AuditEvent } from '@medplum/fhirtypes';
import t from 'tap';
import { actAs, auditRows } from '../helpers/audit.js';
import { testApp } from '../helpers/app.js';
import { smart } from '../../src/auth/hooks.js';

t.test('401 and 403 answers leave failure events without PHI; other errors leave none', async (t) => {
  const haven = await testApp(t);
  const { fhir, db, app, services } = haven;
  const { json: other } = await fhir('PUT', 'Patient/pat-other', { resourceType: 'Patient', id: 'pat-other', name: [{ family: 'Secret' }] });

  // A patient-confined caller tries to change another patient's record: the store answers 403.
  const confined = (requestId: string) =>
    actAs(haven, { clientId: 'patient-app', fhirUser: 'Patient/pat-me', patient: 'pat-me', requestId }, 'patient/*.cruds');
  const res = await fhir('PUT', `Patient/${other.id}`, { ...other, gender: 'male' }, await confined('denied-write'));
  t.equal(res.status, 403);
  const [row, ...more] = await auditRows(db, 'denied-write');
  t.same(more, [], 'one row');
  t.match(row, {
    action: 'U',
    interaction: 'update',
    outcome: 4,
    outcome_desc: '403 Forbidden: PUT /fhir/:type/:id',
    client_id: 'patient-app',
    fhir_user: 'Patient/pat-me',
    entity_type: 'Patient',
    entity_id: null,
    entity_version: null,
    query: null,
    entity_refs: [],
    compartments: [],
  });
  t.equal((await fhir('GET', `Patient/${other.id}`)).json.meta.versionId, '1', 'and nothing changed');

  const created = await fhir('POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'Secret' }] }, await confined('denied-create'));
  t.equal(created.status, 403, 'creating a patient outside the compartments');
  t.match(await auditRows(db, 'denied-create'), [{ action: 'C', interaction: 'create', outcome: 4, outcome_desc: '403 Forbidden: POST /fhir/:type' }]);

  const unauthorized = await app.inject({ method: 'GET', url: '/api/v1/patients/pat-other/vitals?from=2026-01-01', headers: { 'x-request-id': 'no-token' } });
  t.equal(unauthorized.statusCode, 401);
  t.equal(unauthorized.headers['www-authenticate'], 'Bearer');
  t.match(await auditRows(db, 'no-token'), [
    {
      action: 'E',
      interaction: 'search-type',
      outcome: 4,
      outcome_desc: '401 Unauthorized: GET /api/v1/patients/:patientId/vitals',
      client_id: null,
      entity_type: null,
    },
  ]);

  const { rows } = await db.query<{ text: string }>(
    `SELECT row_to_json(a)::text AS text FROM audit_log a WHERE request_id IN ('denied-write', 'denied-create', 'no-token')`,
  );
  t.equal(rows.length, 3);
  for (const { text } of rows) {
    t.notMatch(text, /pat-other|Secret|2026-01-01|outside the compartments/, 'no id, name, query value or diagnostics of the request');
  }

  const { json: bundle } = await fhir('GET', 'AuditEvent?outcome=4&_count=10');
  const events = (bundle.entry as Array<{ resource: AuditEvent }>).map((e) => e.resource);
  t.equal(events.length, 3, 'the refusals as AuditEvents');
  for (const event of events) {
    t.same(services.validator.validate(event), [], 'valid R4');
    t.equal(event.outcome, '4');
    t.match(event.outcomeDesc, /^40[13] /);
    t.notMatch(JSON.stringify(event), /pat-other|Secret/);
  }

  const before = (await db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM audit_log WHERE outcome <> 0`)).rows[0].n;
  t.equal((await fhir('PUT', 'Patient/x', { resourceType: 'Patient', id: 'y' })).status, 400);
  t.equal((await fhir('GET', 'Nonsense/1')).status, 404);
  const after = (await db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM audit_log WHERE outcome <> 0`)).rows[0].n;
  t.equal(after, before, 'a 400 or an unknown type is no refusal and leaves no failure event');
});

t.test('a refusal records the interaction its route declares, whatever the URL looks like', async (t) => {
  const haven = await testApp(t);
  const { app, fhir, token } = haven;
  const { json: patient } = await fhir('POST', 'Patient', { resourceType: 'Patient' });
  const id = patient.id as string;
  const narrow = `Bearer ${await token('system/Observation.rs')}`;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const json = { 'content-type': 'application/fhir+json' };
  // [request id, method, path under /fhir, headers, body, the restful-interaction, its action]
  const cases: Array<[string, 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', string, Record<string, string>, string | undefined, string, string]> = [
    ['d-read', 'GET', `Patient/${id}`, {}, undefined, 'read', 'R'],
    ['d-vread', 'GET', `Patient/${id}/_history/1`, {}, undefined, 'vread', 'R'],
    ['d-history-instance', 'GET', `Patient/${id}/_history`, {}, undefined, 'history-instance', 'R'],
    ['d-history-type', 'GET', 'Patient/_history', {}, undefined, 'history-type', 'R'],
    ['d-search-get', 'GET', 'Patient?gender=male', {}, undefined, 'search-type', 'E'],
    ['d-search-post', 'POST', 'Patient/_search', form, 'gender=male', 'search-type', 'E'],
    ['d-compartment', 'GET', `Patient/${id}/Patient`, {}, undefined, 'search-type', 'E'],
    ['d-create', 'POST', 'Patient', json, '{"resourceType":"Patient"}', 'create', 'C'],
    ['d-update', 'PUT', `Patient/${id}`, json, JSON.stringify({ resourceType: 'Patient', id }), 'update', 'U'],
    ['d-patch', 'PATCH', `Patient/${id}`, { 'content-type': 'application/json-patch+json' }, '[]', 'patch', 'U'],
    ['d-delete', 'DELETE', `Patient/${id}`, {}, undefined, 'delete', 'D'],
  ];
  // Without any token (401), every route: also those whose handler authorizes what it does.
  const anonymous: typeof cases = [
    ...cases.map(([rid, ...rest]): (typeof cases)[number] => [`${rid}-401`, ...rest]),
    ['a-history-system', 'GET', '_history', {}, undefined, 'history-system', 'R'],
    ['a-search-system', 'GET', '?_type=Patient', {}, undefined, 'search-system', 'E'],
    ['a-transaction', 'POST', '', json, '{"resourceType":"Bundle","type":"transaction","entry":[]}', 'transaction', 'E'],
    ['a-everything', 'GET', `Patient/${id}/$everything`, {}, undefined, 'operation', 'E'],
    ['a-export', 'GET', '$export', { accept: 'application/fhir+json', prefer: 'respond-async' }, undefined, 'operation', 'E'],
    ['a-audit-history', 'GET', 'AuditEvent/_history', {}, undefined, 'history-type', 'R'],
  ];
  for (const [requestId, method, path, headers, payload, , , withToken] of [
    ...cases.map((c) => [...c, true] as const),
    ...anonymous.map((c) => [...c, false] as const),
  ]) {
    const res = await app.inject({
      method,
      url: `/fhir/${path}`,
      headers: { ...headers, 'x-request-id': requestId, ...(withToken ? { authorization: narrow } : {}) },
      ...(payload !== undefined ? { payload } : {}),
    });
    t.equal(res.statusCode, withToken ? 403 : 401, `${method} ${path} ${withToken ? 'with a token for Observation only' : 'without a token'} is refused`);
  }

  // The AuditEvents, read through HTTP: each names its request id, its subtype and its action.
  const { json: bundle } = await fhir('GET', 'AuditEvent?outcome=4&_count=100');
  const events = (bundle.entry as Array<{ resource: AuditEvent }>).map((e) => e.resource);
  const byRequest = new Map(
    events.map((e) => [e.entity?.find((x) => x.type?.code === 'XrequestId')?.what?.identifier?.value, { subtype: e.subtype?.[0]?.code, action: e.action }]),
  );
  for (const [requestId, method, path, , , interaction, action] of [...cases, ...anonymous]) {
    t.same(byRequest.get(requestId), { subtype: interaction, action }, `a refused ${method} /fhir/${path} is recorded as ${interaction} (${action})`);
  }
});

t.test('a route under /fhir, /api, /auth or /app that declares no SMART authorization is refused at registration', async (t) => {
  for (const url of ['/fhir/Patient/:id/$undeclared', '/api/v1/undeclared', '/auth/undeclared', '/app/undeclared']) {
    await t.rejects(
      testApp(t, {}, { configure: (app) => app.get(url, async () => ({ leaked: true })) }),
      /declares no SMART authorization/,
      `GET ${url} without smart(...) stops the app from starting`,
    );
  }
  // Declared ones, public ones included, and routes outside those prefixes register as before.
  const haven = await testApp(
    t,
    {},
    {
      configure: (app) => {
        app.get('/fhir/declared-public', smart('public'), async () => ({ ok: true }));
        app.get('/elsewhere', async () => ({ ok: true }));
      },
    },
  );
  t.equal((await haven.app.inject({ method: 'GET', url: '/fhir/declared-public' })).statusCode, 200);
  t.equal((await haven.app.inject({ method: 'GET', url: '/elsewhere' })).statusCode, 200);
});
