// Topic-based Subscriptions (Subscriptions Backport IG on R4): Haven's topics, filter criteria,
// the notification Bundle (history, SubscriptionStatus first, focus as the payload content says),
// numbered events, $status and $events.
import t from 'tap';
import { deliveryKit, observation } from './kit.js';
import { pause, waitFor, type Receiver } from './receiver.js';

const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
const OBSERVATION_CREATED = 'https://haven-fhir.org/fhir/SubscriptionTopic/observation-created';
const FLAG_TOPIC = 'https://haven-fhir.org/fhir/SubscriptionTopic/flag-raised-or-resolved';

function topicSubscription(receiver: Receiver, topic: string, filter: string | undefined, content: string) {
  return {
    resourceType: 'Subscription',
    meta: { profile: [`${BACKPORT}/backport-subscription`] },
    status: 'requested',
    reason: 'backport test',
    criteria: topic,
    ...(filter ? { _criteria: { extension: [{ url: `${BACKPORT}/backport-filter-criteria`, valueString: filter }] } } : {}),
    channel: {
      type: 'rest-hook',
      endpoint: receiver.url(),
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: `${BACKPORT}/backport-payload-content`, valueCode: content }] },
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const param = (parameters: any, name: string) => parameters.parameter.filter((p: { name: string }) => p.name === name);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const part = (event: any, name: string) => event.part.find((p: { name: string }) => p.name === name);

t.test('observation-created, full-resource: a history Bundle with the status first and the Observation after', async (t) => {
  const { app, receiver } = await deliveryKit(t);
  const sub = await app.fhir('POST', 'Subscription', topicSubscription(receiver, OBSERVATION_CREATED, 'Observation?patient=Patient/p1', 'full-resource'));
  t.equal(sub.status, 201, JSON.stringify(sub.json?.issue ?? ''));
  await app.fhir('POST', 'Observation', observation('p2'));
  const first = await app.fhir('POST', 'Observation', observation('p1'));
  await app.fhir('PUT', `Observation/${first.json.id}`, { ...observation('p1', 99), id: first.json.id });
  const second = await app.fhir('POST', 'Observation', observation('p1', 130));
  await waitFor(() => receiver.received.length >= 2, 'two notifications');
  await pause(300);
  t.equal(receiver.received.length, 2, 'creates only, of p1 only');
  const bundles = receiver.received.map((r) => JSON.parse(r.body));
  for (const [i, bundle] of bundles.entries()) {
    t.equal(bundle.resourceType, 'Bundle');
    t.equal(bundle.type, 'history');
    t.same(bundle.meta.profile, [`${BACKPORT}/backport-subscription-notification-r4`]);
    const status = bundle.entry[0].resource;
    t.equal(status.resourceType, 'Parameters');
    t.equal(param(status, 'type')[0].valueCode, 'event-notification');
    t.equal(param(status, 'topic')[0].valueCanonical, OBSERVATION_CREATED);
    t.match(param(status, 'subscription')[0].valueReference.reference, new RegExp(`/Subscription/${sub.json.id}$`));
    const [event] = param(status, 'notification-event');
    t.equal(part(event, 'event-number').valueString, String(i + 1), 'events are numbered in order');
    const id = [first, second][i].json.id;
    t.match(part(event, 'focus').valueReference.reference, new RegExp(`/Observation/${id}$`));
    t.equal(bundle.entry[1].resource.id, id, 'the focus resource follows the status');
  }
});

t.test('flag topic, id-only: raised and resolved are both events; no resource in the Bundle', async (t) => {
  const { app, receiver } = await deliveryKit(t);
  const sub = await app.fhir('POST', 'Subscription', topicSubscription(receiver, FLAG_TOPIC, 'Flag?patient=Patient/p1', 'id-only'));
  t.equal(sub.status, 201);
  const flag = { resourceType: 'Flag', status: 'active', code: { text: 'BP crisis' }, subject: { reference: 'Patient/p1' } };
  const raised = await app.fhir('POST', 'Flag', flag);
  t.equal(raised.status, 201);
  t.equal((await app.fhir('PUT', `Flag/${raised.json.id}`, { ...flag, id: raised.json.id, status: 'inactive' })).status, 200);
  await waitFor(() => receiver.received.length >= 2, 'two notifications');
  const bundles = receiver.received.map((r) => JSON.parse(r.body));
  t.same(
    bundles.map((b) => b.entry.length),
    [1, 1],
    'id-only: the status alone',
  );
  t.same(
    bundles.map((b) => part(param(b.entry[0].resource, 'notification-event')[0], 'focus').valueReference.reference.endsWith(`Flag/${raised.json.id}`)),
    [true, true],
  );

  const status = await app.fhir('GET', `Subscription/${sub.json.id}/$status`);
  t.equal(status.status, 200);
  const statusParams = status.json.entry[0].resource;
  t.equal(param(statusParams, 'type')[0].valueCode, 'query-status');
  t.equal(param(statusParams, 'events-since-subscription-start')[0].valueString, '2');
  t.equal(param(statusParams, 'status')[0].valueCode, 'active');

  const events = await app.fhir('GET', `Subscription/${sub.json.id}/$events?eventsSinceNumber=2&content=full-resource`);
  t.equal(events.status, 200);
  const eventParams = events.json.entry[0].resource;
  t.equal(param(eventParams, 'type')[0].valueCode, 'query-event');
  t.same(
    param(eventParams, 'notification-event').map((e: unknown) => part(e, 'event-number').valueString),
    ['2'],
  );
  t.equal(events.json.entry[1].resource.status, 'inactive', 'the version of that event');

  const stranger = app.as(await app.token('patient/Subscription.c patient/Flag.rs', { patient: 'p2' }));
  t.equal((await stranger('GET', `Subscription/${sub.json.id}/$status`)).status, 404, "another party's Subscription is unknown to them");
});

t.test('topic-based Subscriptions are checked too', async (t) => {
  const { app, receiver } = await deliveryKit(t, {}, { startWorker: false });
  t.equal(
    (await app.fhir('POST', 'Subscription', topicSubscription(receiver, 'https://haven-fhir.org/fhir/SubscriptionTopic/nope', undefined, 'id-only'))).status,
    422,
  );
  t.equal(
    (await app.fhir('POST', 'Subscription', topicSubscription(receiver, FLAG_TOPIC, 'Observation?patient=Patient/p1', 'id-only'))).status,
    422,
    'filter of another type',
  );
  t.equal((await app.fhir('POST', 'Subscription', topicSubscription(receiver, FLAG_TOPIC, undefined, 'everything'))).status, 422, 'unknown payload content');
  const metadata = await app.fhir('GET', 'metadata');
  const entry = metadata.json.rest[0].resource.find((r: { type: string }) => r.type === 'Subscription');
  t.same(entry.extension.map((e: { valueCanonical: string }) => e.valueCanonical).sort(), [FLAG_TOPIC, OBSERVATION_CREATED].sort());
});
