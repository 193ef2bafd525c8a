// GET /fhir/AuditEvent and /fhir/AuditEvent/{id}: the audit log as valid R4 AuditEvents shaped as
// IHE BALP prescribes, searchable, paged, confined to the caller's compartments, and read-only.
import type { AuditEvent, AuditEventAgent, Bundle } from '@medplum/fhirtypes';
import t from 'tap';
import { actAs } from '../helpers/audit.js';
import { testApp, type TestApp } from '../helpers/app.js';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

/** One app for the file: the events below, then read-only searches over them. */
let ctx: TestApp;
let alice: string;
let bob: string;
let obs: string;

t.before(async () => {
  ctx = await testApp(t);
  const { fhir } = ctx;
  const clinician = { clientId: 'clinic-app', subject: 'u-42', fhirUser: 'Practitioner/dr-lee' };
  alice = (await fhir('POST', 'Patient', { resourceType: 'Patient', gender: 'female' }, await actAs(ctx, { ...clinician, requestId: 'make-alice' }))).json.id;
  bob = (await fhir('POST', 'Patient', { resourceType: 'Patient', gender: 'male' }, await actAs(ctx, { ...clinician, requestId: 'make-bob' }))).json.id;
  obs = (
    await fhir(
      'POST',
      'Observation',
      { resourceType: 'Observation', status: 'final', code: { text: 'mood' }, subject: { reference: `Patient/${alice}` } },
      await actAs(ctx, { ...clinician, requestId: 'make-obs' }),
    )
  ).json.id;
  await fhir('GET', `Patient/${alice}`, undefined, await actAs(ctx, { ...clinician, requestId: 'read-alice' }));
  await fhir('GET', `Patient/${bob}`, undefined, await actAs(ctx, { clientId: 'backend', requestId: 'read-bob' }));
  await fhir('GET', `Observation/${obs}`, undefined, await actAs(ctx, { clientId: 'portal', fhirUser: `Patient/${alice}`, requestId: 'alice-reads-obs' }));
  await fhir('GET', 'Patient/nobody', undefined, await actAs(ctx, { clientId: 'backend', requestId: 'read-nobody' }));
});

const search = async (query: string, headers: Record<string, string> = {}) => {
  const res = await ctx.fhir('GET', `AuditEvent?${query}`, undefined, headers);
  return { res, bundle: res.json as Bundle<AuditEvent>, events: ((res.json as Bundle<AuditEvent>).entry ?? []).map((e) => e.resource as AuditEvent) };
};
const byRequest = (events: AuditEvent[], requestId: string) =>
  events.filter((e) => e.entity?.some((x) => x.type?.code === 'XrequestId' && x.what?.identifier?.value === requestId));
const agentOf = (event: AuditEvent, code: string): AuditEventAgent | undefined => event.agent.find((a) => a.type?.coding?.some((c) => c.code === code));

t.test('every event is a valid R4 AuditEvent', async (t) => {
  const { res, bundle, events } = await search('_count=100');
  t.equal(res.status, 200);
  t.equal(bundle.type, 'searchset');
  t.ok(events.length >= 7);
  for (const event of events) t.same(ctx.services.validator.validate(event), [], `AuditEvent ${event.subtype?.[0].code} validates`);
  t.same(ctx.services.validator.validate(bundle), [], 'and so does the Bundle');
});

t.test('a read is shaped as BALP PatientRead: server is the source, client the destination, the user the recipient', async (t) => {
  const [event] = byRequest((await search(`entity=Patient/${alice}&action=R`)).events, 'read-alice');
  t.ok(event);
  t.match(event, {
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
    action: 'R',
    outcome: '0',
    source: { observer: { identifier: { value: 'http://haven.test/fhir' } }, type: [{ code: '4' }] },
  });
  t.match(agentOf(event, '110152'), { who: { identifier: { value: 'clinic-app' } }, requestor: false, network: { address: '127.0.0.1', type: '2' } }, 'client');
  t.match(agentOf(event, '110153'), { who: { identifier: { value: 'http://haven.test/fhir' } }, network: { type: '5' } }, 'server');
  t.match(agentOf(event, 'IRCP'), { who: { reference: 'Practitioner/dr-lee' }, altId: 'u-42', requestor: true }, 'user');
  t.match(
    event.entity?.find((e) => e.role?.code === '1'),
    { what: { reference: `Patient/${alice}` }, type: { code: '1' } },
    'patient entity',
  );
  t.match(
    event.entity?.find((e) => e.role?.code === '4'),
    { what: { reference: `Patient/${alice}/_history/1` }, type: { code: '2' } },
    'data entity, version-specific',
  );
});

t.test('a create reverses the direction: client is the source, the user the author', async (t) => {
  const [event] = byRequest((await search(`entity=Observation/${obs}&action=C`)).events, 'make-obs');
  t.match(event, { action: 'C', subtype: [{ code: 'create' }] });
  t.ok(
    event.agent[0].type?.coding?.some((c) => c.system === DCM && c.code === '110153'),
    'client: Source Role ID',
  );
  t.ok(agentOf(event, '110152'), 'server: Destination Role ID');
  t.match(agentOf(event, 'AUT'), { who: { reference: 'Practitioner/dr-lee' }, requestor: true });
  t.match(
    event.entity?.find((e) => e.role?.code === '4'),
    { what: { reference: `Observation/${obs}/_history/1` } },
  );
  const [patientCreate] = byRequest((await search(`entity=Patient/${alice}&action=C`)).events, 'make-alice');
  t.ok(
    patientCreate.entity?.some((e) => e.what?.reference === `Patient/${alice}` && e.role?.code === '1' && e.type?.code === '1'),
    'the patient entity',
  );
});

t.test('without a user the client is the requestor; a read of nothing is a minor failure', async (t) => {
  const [event] = byRequest((await search('entity=Patient/nobody')).events, 'read-nobody');
  t.equal(event.outcome, '4');
  t.equal(event.agent.length, 2);
  t.equal(agentOf(event, '110152')?.requestor, true);
});

t.test('a search of the audit log is itself recorded, as BALP Query: action E with the query entity', async (t) => {
  await ctx.fhir('GET', `AuditEvent?patient=Patient/${bob}`, undefined, await actAs(ctx, { clientId: 'auditor', requestId: 'audit-search' }));
  const [event] = byRequest((await search('action=E&subtype=search-type')).events, 'audit-search');
  t.ok(event);
  const query = event.entity?.find((e) => e.role?.code === '24');
  t.equal(Buffer.from(query?.query ?? '', 'base64').toString(), `AuditEvent?patient=Patient%2F${bob}`);
  t.notOk(query?.what, 'a query entity has no what');
  t.ok(agentOf(event, '110153'), 'client: Source Role ID');
  t.match(event.outcomeDesc, /^\d+ resources? returned$/);
});

t.test('read and vread by id; unknown ids answer 404, other versions 404', async (t) => {
  const { events } = await search('_count=1');
  const id = events[0].id as string;
  const read = await ctx.fhir('GET', `AuditEvent/${id}`);
  t.equal(read.status, 200);
  t.same(read.json, events[0], 'the same event as in the search');
  t.equal(read.headers.etag, 'W/"1"');
  t.equal((await ctx.fhir('GET', `AuditEvent/${id}/_history/1`)).status, 200);
  t.equal((await ctx.fhir('GET', `AuditEvent/${id}/_history/2`)).status, 404);
  t.equal((await ctx.fhir('GET', `AuditEvent/${id.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}`)).status, 404);
  t.equal((await ctx.fhir('GET', 'AuditEvent/not-a-uuid')).status, 404);
  t.equal((await ctx.fhir('GET', 'AuditEvent/bad$id')).status, 400);
  t.equal((await ctx.fhir('GET', `AuditEvent/${id}/_history`)).status, 405, 'no history');
  t.equal((await ctx.fhir('GET', 'AuditEvent/_history')).status, 405);
});

t.test('search parameters', async (t) => {
  const ids = async (query: string) => (await search(query + '&_count=200')).events;
  // The events made in t.before carry named request ids; the searches and reads of the tests
  // themselves (recorded too) carry generated ones and are left out.
  const requests = (events: AuditEvent[]) =>
    new Set(
      events
        .flatMap((e) => e.entity?.filter((x) => x.type?.code === 'XrequestId').map((x) => x.what?.identifier?.value as string) ?? [])
        .filter((id) => !/^[0-9a-f]{8}-/.test(id)),
    );

  // The Observation is in Alice's compartment (its subject), so its creation is about her too.
  t.same(
    requests(await ids(`patient=Patient/${alice}&subtype=create,read`)),
    new Set(['make-alice', 'make-obs', 'read-alice', 'alice-reads-obs']),
    'patient: about the patient, or by the patient',
  );
  t.same(requests(await ids(`patient=${bob}&subtype=create,read`)), new Set(['make-bob', 'read-bob']), 'patient as a bare id');
  t.same(requests(await ids(`entity=Observation/${obs}`)), new Set(['make-obs', 'alice-reads-obs']), 'entity Type/id');
  t.same(requests(await ids(`entity=${obs}`)), new Set(['make-obs', 'alice-reads-obs']), 'entity as a bare id');
  t.same(requests(await ids(`entity:Observation=${obs}`)), new Set(['make-obs', 'alice-reads-obs']), 'entity:Type');
  t.same(requests(await ids('agent=Practitioner/dr-lee&action=R')), new Set(['read-alice']), 'agent: the user');
  t.same(requests(await ids('agent:identifier=backend')), new Set(['read-bob', 'read-nobody']), 'agent:identifier: the client');
  t.same(requests(await ids('action=http://hl7.org/fhir/audit-event-action|C')), new Set(['make-alice', 'make-bob', 'make-obs']), 'action with system');
  t.same(requests(await ids('action=other-system|C')), new Set(), 'another system matches nothing');
  t.same(requests(await ids('subtype=read&outcome=4&agent:identifier=backend')), new Set(['read-nobody']), 'subtype and outcome');
  t.same(
    requests(await ids('subtype=http://hl7.org/fhir/restful-interaction|create,vread&entity=Patient/' + bob)),
    new Set(['make-bob']),
    'OR within a parameter',
  );

  // The three creates happened today (UTC, the default zone); the searches below add events of their own.
  const today = new Date().toISOString().slice(0, 10);
  const creates = (query: string) => ids(`subtype=create&${query}`).then((events) => events.length);
  t.equal(await creates(`date=${today}`), 3, 'date: the day');
  t.equal(await creates(`date=${today.slice(0, 7)}`), 3, 'date: the month');
  t.equal(await creates(`date=eq${today.slice(0, 4)}`), 3, 'date: the year, with eq');
  t.equal(await creates(`date=lt${today}`), 0, 'date: before today');
  t.equal(await creates(`date=ge${today}&date=lt2999`), 3, 'date: AND of two');
  t.equal(await creates(`date=le${today},gt2999`), 3, 'date: OR within one');
  t.equal(await creates(`date=gt${new Date(Date.now() + 60_000).toISOString()}`), 0, 'date: a dateTime with zone');
  t.equal(await creates(`date=sa${new Date(Date.now() - 3_600_000).toISOString().slice(0, 16)}Z`), 3, 'date: sa, minute precision');
  t.equal(await creates(`date=ne${today}`), 0, 'date: ne');

  const first = (await search('_count=1')).events[0];
  t.same(
    (await ids(`_id=${first.id}`)).map((e) => e.id),
    [first.id],
    '_id',
  );

  t.equal((await search('date=yesterday')).res.status, 400, 'a bad date answers 400');
  t.equal((await search('date=2026-02-30')).res.status, 400, 'a day that does not exist answers 400');
  t.equal((await search('patient=Observation/1')).res.status, 400, 'patient must be a Patient');
  t.equal((await search('action:text=C')).res.status, 400, 'an unknown modifier answers 400');
  const lenient = await search('nonsense=1&action=C');
  t.equal(lenient.res.status, 200, 'unknown parameters are ignored by default');
  t.notMatch(lenient.bundle.link?.[0].url, /nonsense/, 'and left out of the self link');
  t.equal((await search('nonsense=1', { prefer: 'handling=strict' })).res.status, 400, 'and refused with handling=strict');
});

t.test('POST AuditEvent/_search takes the parameters as a form', async (t) => {
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/fhir/AuditEvent/_search',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: ctx.authorization },
    payload: `entity=Patient/${bob}&action=C`,
  });
  t.equal(res.statusCode, 200);
  const events = (JSON.parse(res.body) as Bundle<AuditEvent>).entry?.map((e) => e.resource as AuditEvent) ?? [];
  t.same(
    events.map((e) => e.action),
    ['C'],
  );
  t.same(byRequest(events, 'make-bob').length, 1);
});

t.test('paging walks every event once, newest first', async (t) => {
  const all = (await search('action=C,R&_count=200')).events.map((e) => e.id);
  const seen: string[] = [];
  let url: string | undefined = 'AuditEvent?action=C,R&_count=2';
  while (url) {
    const res = await ctx.fhir('GET', url.replace('http://haven.test/fhir/', ''));
    t.equal(res.status, 200);
    const bundle = res.json as Bundle<AuditEvent>;
    seen.push(...(bundle.entry ?? []).map((e) => e.resource?.id as string));
    url = bundle.link?.find((l) => l.relation === 'next')?.url;
  }
  t.same(seen, all, 'the same events in the same order');
  const recorded = (await search('action=C,R&_count=200')).events.map((e) => e.recorded);
  t.same(recorded, [...recorded].sort().reverse(), 'newest first');
  t.equal((await search('_cursor=garbage')).res.status, 400);
});

t.test('a patient-confined caller sees only the events of its compartment (accounting of disclosures)', async (t) => {
  const asAlice = await actAs(ctx, { clientId: 'portal', fhirUser: `Patient/${alice}`, patient: alice }, 'patient/*.rs');
  // Earlier searches of the audit log returned events of Alice and Bob together; each was recorded
  // once per patient (BALP), so Alice's share names only her.
  const { events } = await search('_count=200', asAlice);
  t.ok(events.length > 5);
  for (const event of events) {
    const aboutAlice = event.entity?.some((e) => e.what?.reference === `Patient/${alice}`);
    const byAlice = event.agent.some((a) => a.who?.reference === `Patient/${alice}`);
    t.ok(aboutAlice || byAlice, `${event.subtype?.[0].code} ${event.id} concerns Alice`);
    t.notOk(JSON.stringify(event).includes(bob), 'and names nothing of Bob');
    t.notOk(
      event.entity?.some((e) => e.query),
      'nor any raw query',
    );
  }
  t.ok(byRequest(events, 'read-alice').length, "the clinician's read of her record is there");
  const fromBob = (await search(`patient=Patient/${bob}`, asAlice)).events;
  t.same(fromBob, [], "asking for Bob's events finds none");
  const bobRead = byRequest((await search(`entity=Patient/${bob}`)).events, 'read-bob')[0];
  t.equal((await ctx.fhir('GET', `AuditEvent/${bobRead.id}`, undefined, asAlice)).status, 404, "one of Bob's events by id: 404");
});

t.test('the CapabilityStatement lists AuditEvent as read and search only', async (t) => {
  const { json } = await ctx.fhir('GET', 'metadata');
  const entry = json.rest[0].resource.find((r: { type: string }) => r.type === 'AuditEvent');
  t.same(
    entry.interaction.map((i: { code: string }) => i.code),
    ['read', 'vread', 'search-type'],
  );
  t.same(entry.searchParam.map((p: { name: string }) => p.name).sort(), ['_id', 'action', 'agent', 'date', 'entity', 'outcome', 'patient', 'subtype']);
});
