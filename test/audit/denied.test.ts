// Requests answered 401 or 403 are recorded as failed AuditEvents, without PHI: no ids, no query,
// no diagnostics, only who was turned away, from which route pattern.
import type { AuditEvent } from '@medplum/fhirtypes';
import t from 'tap';
import { actAs, auditRows } from '../helpers/audit.js';
import { testApp } from '../helpers/app.js';

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
    { action: 'R', interaction: 'read', outcome: 4, outcome_desc: '401 Unauthorized: GET /api/v1/patients/:patientId/vitals', client_id: null, entity_type: null },
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
