// A Subscription delivers only what its owner could search and read: a patient/ token's never
// another patient's resource, whatever its criteria say; a clinician's stops when their CareTeam
// ends. Deliveries are read in the owner's name, so the audit trail records them.
import t from 'tap';
import { assessmentResponse, validateAssessment } from '../../src/mappers/assessment.js';
import { deliveryKit, observation, outbox, restHook } from './kit.js';
import { pause, waitFor } from './receiver.js';

t.test("a patient's Subscription never delivers another patient's resource", async (t) => {
  const { app, receiver } = await deliveryKit(t);
  const patientA = app.as(await app.token('patient/Subscription.c patient/Observation.rs', { patient: 'a' }));
  const everything = await patientA('POST', 'Subscription', restHook(receiver, 'Observation'));
  t.equal(everything.status, 201, 'criteria without parameters: every Observation the owner may see');
  const naming = await patientA('POST', 'Subscription', restHook(receiver, 'Observation?patient=Patient/b'));
  t.equal(naming.status, 201, 'criteria naming another patient are accepted but reach nothing');
  await app.fhir('POST', 'Observation', observation('b'));
  await app.fhir('POST', 'Observation', observation('b', 200));
  const mine = await app.fhir('POST', 'Observation', observation('a'));
  await waitFor(() => receiver.received.length >= 1, "A's delivery");
  await pause(300);
  t.same(
    receiver.received.map((r) => JSON.parse(r.body).subject.reference),
    ['Patient/a'],
    "only A's Observation",
  );
  t.equal(JSON.parse(receiver.received[0].body).id, mine.json.id);
  t.equal((await outbox(app, naming.json.id)).length, 0, "nothing queued for B's");
  t.equal((await outbox(app, everything.json.id)).length, 1);
  const audit = await app.db.query<{ launch_patient: string; entity_id: string }>(
    `SELECT launch_patient, entity_id FROM audit_log WHERE request_id LIKE 'subscription-delivery-%'`,
  );
  t.same(audit.rows, [{ launch_patient: 'a', entity_id: mine.json.id }], "the delivery is read in A's name, in the audit trail");
});

t.test("a clinician's Subscription stops delivering when the CareTeam ends", async (t) => {
  const { app, receiver } = await deliveryKit(t);
  const team = {
    resourceType: 'CareTeam',
    id: 'team-a',
    status: 'active',
    subject: { reference: 'Patient/a' },
    participant: [{ member: { reference: 'Practitioner/doc' } }],
  };
  await app.fhir('PUT', 'CareTeam/team-a', team);
  const doc = app.as(await app.token('user/Subscription.c user/Observation.rs', { fhirUser: 'Practitioner/doc', subject: 'doc' }));
  const sub = await doc('POST', 'Subscription', restHook(receiver, 'Observation?code=8480-6'));
  t.equal(sub.status, 201);
  await app.fhir('POST', 'Observation', observation('b'));
  const first = await app.fhir('POST', 'Observation', observation('a'));
  await waitFor(() => receiver.received.length >= 1, 'the delivery while on the team');
  t.same(
    receiver.received.map((r) => JSON.parse(r.body).id),
    [first.json.id],
    "A's, not B's",
  );
  await app.fhir('PUT', 'CareTeam/team-a', { ...team, status: 'inactive' });
  await app.fhir('POST', 'Observation', observation('a'));
  await pause(400);
  t.equal(receiver.received.length, 1, 'nothing after the CareTeam ended');
  t.equal((await outbox(app, sub.json.id)).length, 1);
});

t.test('a Subscription without the scopes to create Subscriptions is refused', async (t) => {
  const { app, receiver } = await deliveryKit(t, {}, { startWorker: false });
  const reader = app.as(await app.token('patient/Observation.rs', { patient: 'a' }));
  const answer = await reader('POST', 'Subscription', restHook(receiver, 'Observation'));
  t.equal(answer.status, 403);
});

t.test('a Flag raised by an after-write hook is matched like a direct write', async (t) => {
  const { app, receiver } = await deliveryKit(t);
  const sub = await app.fhir('POST', 'Subscription', restHook(receiver, 'Flag?patient=Patient/ana'));
  t.equal(sub.status, 201);
  await app.fhir('PUT', 'Patient/ana', { resourceType: 'Patient', id: 'ana' });
  const record = validateAssessment(
    { type: 'PHQ-9', responses: [1, 1, 1, 1, 1, 1, 1, 1, 2], takenAt: '2024-05-01T09:00:00Z' },
    new Date('2024-06-01T12:00:00Z'),
  );
  const { id: _id, ...body } = assessmentResponse(record, { patientId: 'ana', id: 'assigned-by-server' });
  const response = await app.fhir('POST', 'QuestionnaireResponse', body);
  t.equal(response.status, 201, JSON.stringify(response.json?.issue ?? ''));
  await waitFor(() => receiver.received.length >= 1, 'the Flag delivery');
  t.equal(JSON.parse(receiver.received[0].body).resourceType, 'Flag');
});

t.test("a revoked client's Subscription stops: nothing new is queued, what is queued is not sent, it turns error", async (t) => {
  const { app, receiver, worker } = await deliveryKit(t, {}, { startWorker: false });
  await app.db.query(`INSERT INTO auth_client (client_id, client_name, scope, jwks) VALUES ('ehr', 'EHR', 'system/*.rs system/Subscription.c', '{"keys":[]}')`);
  const ehr = app.as(await app.token('system/Observation.rs system/Subscription.c', { clientId: 'ehr', subject: 'ehr' }));
  const sub = await ehr('POST', 'Subscription', restHook(receiver, 'Observation?patient=Patient/a'));
  t.equal(sub.status, 201);
  await app.fhir('POST', 'Observation', observation('a'));
  t.equal((await outbox(app, sub.json.id)).length, 1, 'queued while the client is active');
  await app.db.query(`UPDATE auth_client SET revoked_at = now() WHERE client_id = 'ehr'`);
  await app.fhir('POST', 'Observation', observation('a'));
  t.equal((await outbox(app, sub.json.id)).length, 1, 'nothing queued after the revocation');
  await worker.runOnce();
  t.same(
    (await outbox(app, sub.json.id)).map((r) => r.state),
    ['dropped'],
  );
  t.equal(receiver.received.length, 0, 'nothing sent');
  const read = await app.fhir('GET', `Subscription/${sub.json.id}`);
  t.equal(read.json.status, 'error');
  t.match(read.json.error, /access has ended/);
});
