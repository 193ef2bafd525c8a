// Subscriptions matched in the writing transaction, whoever writes: the alert Flags the rules raise
// (written as the patient's care team), and a transaction Bundle's creates, matched together in one
// search per Subscription but queued exactly as separate writes would be.
import t from 'tap';
import { deliveryKit, observation, outbox, restHook } from './kit.js';

t.test('an alert Flag raised by the rules is matched like a direct write', async (t) => {
  const { app, receiver } = await deliveryKit(t, {}, { startWorker: false });
  const sub = await app.fhir('POST', 'Subscription', restHook(receiver, 'Flag?patient=Patient/ana'));
  t.equal(sub.status, 201);
  await app.fhir('PUT', 'Patient/ana', { resourceType: 'Patient', id: 'ana' });
  const reading = await app.fhir('POST', 'Observation', observation('ana', 200));
  t.equal(reading.status, 201);
  const flags = await app.fhir('GET', 'Flag?patient=Patient/ana&status=active');
  const [flag] = flags.json.entry.map((e: { resource: { id: string } }) => e.resource);
  t.ok(flag, 'the bp-crisis rule raised a Flag');
  t.same(
    await outbox(app, sub.json.id),
    [{ resource_id: flag.id, version_id: 1, state: 'pending', attempts: 0, last_error: null }],
    'and it is queued for the Subscription',
  );
});

t.test("a transaction Bundle's creates are matched together, queued in entry order, each as its owner may see it", async (t) => {
  const { app, receiver } = await deliveryKit(t, {}, { startWorker: false });
  const high = await app.fhir('POST', 'Subscription', restHook(receiver, 'Observation?value-quantity=gt150'));
  const patientA = app.as(await app.token('patient/Subscription.c patient/Observation.rs', { patient: 'a' }));
  const mine = await patientA('POST', 'Subscription', restHook(receiver, 'Observation'));
  t.equal(high.status, 201);
  t.equal(mine.status, 201);
  const values: Array<[string, number]> = [
    ['a', 160],
    ['b', 170],
    ['a', 120],
    ['b', 100],
    ['a', 155],
  ];
  const bundle = await app.fhir('POST', '', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: values.map(([patient, value]) => ({ resource: observation(patient, value), request: { method: 'POST', url: 'Observation' } })),
  });
  t.equal(bundle.status, 200, 'the transaction');
  const ids = bundle.json.entry.map((e: { response: { location: string } }) => e.response.location.split('/')[1]);
  const queued = async (id: string) => (await outbox(app, id)).map((row) => row.resource_id);
  t.same(await queued(high.json.id), [ids[0], ids[1], ids[4]], 'the readings above 150, in entry order');
  t.same(await queued(mine.json.id), [ids[0], ids[2], ids[4]], "patient a's Subscription: a's readings only");
});

t.test('a transaction Bundle with more creates than one search may name ids is matched in parts', async (t) => {
  // SEARCH_MAX_VALUES bounds the values of one parameter, `_id` of the batch match included: with
  // 5, a Bundle of 12 creates must still be matched whole (it was refused as too costly).
  const { app, receiver } = await deliveryKit(t, { SEARCH_MAX_VALUES: '5' }, { startWorker: false });
  const sub = await app.fhir('POST', 'Subscription', restHook(receiver, 'Observation?patient=Patient/a'));
  t.equal(sub.status, 201);
  const bundle = await app.fhir('POST', '', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: Array.from({ length: 12 }, (_, i) => ({ resource: observation(i % 3 ? 'a' : 'b', 100 + i), request: { method: 'POST', url: 'Observation' } })),
  });
  t.equal(bundle.status, 200, 'the transaction');
  const ids: string[] = bundle.json.entry.map((e: { response: { location: string } }) => e.response.location.split('/')[1]);
  t.same(
    (await outbox(app, sub.json.id)).map((row) => row.resource_id),
    ids.filter((_, i) => i % 3 !== 0),
    "patient a's eight readings, in entry order",
  );
});
