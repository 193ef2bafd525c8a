// A Subscription is checked when it is written: criteria Haven can search, a rest-hook channel,
// an endpoint within SUBSCRIPTION_ORIGINS (or public https without it), header lines, and the
// token's right to search what it subscribes to. What passes is stored active with its owner.
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { errorCode } from '../helpers/outcome.js';

const origin = 'https://ehr.example.org';
const app = await testApp(t, { SUBSCRIPTION_ORIGINS: origin });
const { fhir, services } = app;

function subscription(overrides: Record<string, unknown> = {}, channel: Record<string, unknown> = {}) {
  return {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'Tell the EHR about new Flags',
    criteria: 'Flag?patient=Patient/p1',
    channel: { type: 'rest-hook', endpoint: `${origin}/hooks/haven`, payload: 'application/fhir+json', header: ['Authorization: Bearer secret'], ...channel },
    ...overrides,
  };
}

const diagnostics = (json: { issue?: Array<{ diagnostics?: string }> }) => json.issue?.map((i) => i.diagnostics).join(' ') ?? '';

t.test('a valid Subscription is stored active, with its registry row', async (t) => {
  const created = await fhir('POST', 'Subscription', subscription());
  t.equal(created.status, 201);
  t.equal(created.json.status, 'active');
  const read = await fhir('GET', `Subscription/${created.json.id}`);
  t.equal(read.json.status, 'active');
  const { rows } = await services.db.query<{ status: string; resource_type: string; criteria: string }>(
    'SELECT status, resource_type, criteria FROM subscription WHERE id = $1',
    [created.json.id],
  );
  t.same(rows, [{ status: 'active', resource_type: 'Flag', criteria: 'patient=Patient%2Fp1' }]);
});

t.test('a client cannot set status error; off is kept and not matched', async (t) => {
  const refused = await fhir('POST', 'Subscription', subscription({ status: 'error' }));
  t.equal(refused.status, 422);
  const off = await fhir('POST', 'Subscription', subscription({ status: 'off' }));
  t.equal(off.status, 201);
  t.equal(off.json.status, 'off');
});

// Each case changes one element of a good Subscription: the code and the element the refusal names
// say it was refused for that element.
const refusals: Array<[string, Record<string, unknown>, Record<string, unknown>, number, string, string]> = [
  ['an unknown resource type in criteria', { criteria: 'Nope?x=1' }, {}, 400, 'invalid-criteria', 'Subscription.criteria'],
  ['a parameter Haven cannot search', { criteria: 'Observation?no-such-param=1' }, {}, 400, 'invalid-criteria', 'Subscription.criteria'],
  ['a result parameter', { criteria: 'Observation?_count=5' }, {}, 400, 'invalid-criteria', 'Subscription.criteria'],
  ['missing criteria', { criteria: undefined }, {}, 400, 'invalid-criteria', 'Subscription.criteria'],
  ['a websocket channel', {}, { type: 'websocket' }, 422, 'invalid-subscription', 'Subscription.channel.type'],
  [
    'an endpoint outside SUBSCRIPTION_ORIGINS',
    {},
    { endpoint: 'https://elsewhere.example.com/hook' },
    422,
    'invalid-subscription',
    'Subscription.channel.endpoint',
  ],
  ['an endpoint with credentials', {}, { endpoint: `https://u:p@ehr.example.org/hook` }, 422, 'invalid-subscription', 'Subscription.channel.endpoint'],
  ['a payload Haven cannot send', {}, { payload: 'application/xml' }, 422, 'invalid-subscription', 'Subscription.channel.payload'],
  ['a malformed header line', {}, { header: ['no colon here'] }, 422, 'invalid-subscription', 'Subscription.channel.header'],
  ['a header Haven sets itself', {}, { header: ['Content-Type: text/plain'] }, 422, 'invalid-subscription', 'Subscription.channel.header'],
  ['an end in the past', { end: '2001-01-01T00:00:00Z' }, {}, 422, 'invalid-subscription', 'Subscription.end'],
];
for (const [what, overrides, channel, status, code, element] of refusals) {
  t.test(`refused at creation: ${what}`, async (t) => {
    const before = (await services.db.query<{ n: number }>('SELECT count(*)::int AS n FROM subscription')).rows[0].n;
    const answer = await fhir('POST', 'Subscription', subscription(overrides, channel));
    t.equal(answer.status, status, diagnostics(answer.json));
    t.equal(answer.json.resourceType, 'OperationOutcome');
    t.equal(errorCode(answer.json), code);
    t.same(answer.json.issue?.[0]?.expression, [element]);
    t.equal((await services.db.query<{ n: number }>('SELECT count(*)::int AS n FROM subscription')).rows[0].n, before, 'nothing registered');
  });
}

t.test('without SUBSCRIPTION_ORIGINS only public https endpoints are accepted', async (t) => {
  const strict = await testApp(t);
  for (const endpoint of [
    'http://ehr.example.org/hook',
    'https://127.0.0.1/hook',
    'https://localhost/hook',
    'https://10.1.2.3/hook',
    'https://192.168.0.9/hook',
    'https://[::1]/hook',
    'https://169.254.169.254/latest',
  ]) {
    const answer = await strict.fhir('POST', 'Subscription', subscription({}, { endpoint }));
    t.equal(answer.status, 422, endpoint);
  }
  t.equal((await strict.fhir('POST', 'Subscription', subscription({}, { endpoint: 'https://ehr.example.org/hook' }))).status, 201);
});

t.test('the token must be able to search the criteria, not only create Subscriptions', async (t) => {
  const token = await app.token('system/Subscription.c system/Patient.rs');
  const answer = await app.as(token)('POST', 'Subscription', subscription());
  t.equal(answer.status, 403);
  t.equal(errorCode(answer.json), 'scope-missing');
  const allowed = await app.as(await app.token('system/Subscription.c system/Flag.s'))('POST', 'Subscription', subscription());
  t.equal(allowed.status, 201);
});

t.test('PUT checks like POST; PATCH and Bundle entries are refused', async (t) => {
  const created = await fhir('POST', 'Subscription', subscription());
  const id = created.json.id;
  const bad = await fhir('PUT', `Subscription/${id}`, { ...subscription({ criteria: 'Flag?nonsense=1' }), id });
  t.equal(bad.status, 400);
  const good = await fhir('PUT', `Subscription/${id}`, { ...subscription({ criteria: 'Flag?patient=Patient/p2' }), id });
  t.equal(good.status, 200);
  const { rows } = await services.db.query<{ criteria: string }>('SELECT criteria FROM subscription WHERE id = $1', [id]);
  t.equal(rows[0].criteria, 'patient=Patient%2Fp2');
  const patched = await fhir('PATCH', `Subscription/${id}`, [{ op: 'replace', path: '/criteria', value: 'Flag?x=1' }]);
  t.equal(patched.status, 422);
  const bundle = await fhir('POST', '', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [{ resource: subscription(), request: { method: 'POST', url: 'Subscription' } }],
  });
  t.equal(bundle.status, 422, diagnostics(bundle.json));
});

t.test('another client may not change a Subscription it does not own', async (t) => {
  const owner = app.as(await app.token('user/Subscription.cru user/Flag.s', { fhirUser: 'Practitioner/a', subject: 'a' }));
  const other = app.as(await app.token('user/Subscription.cru user/Flag.s', { fhirUser: 'Practitioner/b', subject: 'b' }));
  const created = await owner('POST', 'Subscription', subscription());
  t.equal(created.status, 201);
  const answer = await other('PUT', `Subscription/${created.json.id}`, { ...subscription(), id: created.json.id });
  t.equal(answer.status, 403);
});

t.test('DELETE stops the Subscription: its registry row goes with it', async (t) => {
  const created = await fhir('POST', 'Subscription', subscription());
  t.equal((await fhir('DELETE', `Subscription/${created.json.id}`)).status, 204);
  const { rows } = await services.db.query('SELECT 1 FROM subscription WHERE id = $1', [created.json.id]);
  t.equal(rows.length, 0);
});

t.test('the CapabilityStatement lists Subscription with what works', async (t) => {
  const metadata = await fhir('GET', 'metadata');
  const entry = metadata.json.rest[0].resource.find((r: { type: string }) => r.type === 'Subscription');
  t.ok(entry);
  t.match(entry.documentation, /rest-hook/);
  t.notOk(entry.interaction.some((i: { code: string }) => i.code === 'patch'));
});
