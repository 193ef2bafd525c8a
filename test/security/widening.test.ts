// Issue 20: "a resource written by a confined token changes who may see what", as a class. Tokens
// confined to patient A (A's own patient/ token, a Practitioner on A's CareTeam, a RelatedPerson with
// A's Consent) try to open patient B's record to someone (a Practitioner or RelatedPerson named by
// the forged resource) by writing CareTeams and Consents with forged subjects (dot segments,
// another server's URL, versioned and absolute forms, a Group, a contained reference), and
// PractitionerRoles, Patient.link, Groups and RelatedPersons, through create, update, patch,
// conditional writes and transaction and batch Bundles. Afterwards no token receives anything of B
// on any read path: read, search, includes, compartment search, history, the app-records API and
// the summary. And a forged CareTeam or Consent already stored (by a backend service, or before the
// fix) grants nothing.
import t, { type Test } from 'tap';
import { readResponse, testApp, type FhirClient, type FhirResponse, type TestApp } from '../helpers/app.js';
import { errorCode } from '../helpers/outcome.js';

/** Anything of B that a read returns: one of B's resources (ids qxb-…) or B's name. */
const LEAK = /"id":"qxb-|Quixotebright/;
const B = 'qxb-pat';

/** The forged ways of naming B as the patient a CareTeam or Consent is about. */
const FORGED_SUBJECTS: Array<[string, string]> = [
  ['dot segments', `Patient/pat-a/../../Patient/${B}`],
  ['dot segments, absolute', `http://haven.test/fhir/Patient/pat-a/../../Patient/${B}`],
  ['another server', `http://other.example/fhir/Patient/${B}`],
  ['versioned', `Patient/${B}/_history/1`],
  ['absolute local URL', `http://haven.test/fhir/Patient/${B}`],
  ['a Group of B', 'Group/group-b'],
  ['a contained reference', '#x'],
  ['B itself', `Patient/${B}`],
];

const CONSENT_BASE = {
  resourceType: 'Consent',
  status: 'active',
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
};

function careTeam(subject: string, member: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'CareTeam',
    status: 'active',
    ...(subject.startsWith('#') ? { contained: [{ resourceType: 'Patient', id: subject.slice(1), name: [{ family: 'Contained' }] }] } : {}),
    subject: { reference: subject },
    // A's own participation puts the team in A's compartment: the write check of main then passed.
    participant: [{ member: { reference: member } }, { member: { reference: 'Patient/pat-a' } }],
    ...extra,
  };
}

function consent(patient: string, actor: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...CONSENT_BASE,
    ...(patient.startsWith('#') ? { contained: [{ resourceType: 'Patient', id: patient.slice(1) }] } : {}),
    patient: { reference: patient },
    performer: [{ reference: 'Patient/pat-a' }],
    provision: { type: 'permit', actor: [{ role: { text: 'family' }, reference: { reference: actor } }] },
    ...extra,
  };
}

async function put(app: TestApp, resource: Record<string, unknown>): Promise<void> {
  const res = await app.fhir('PUT', `${resource.resourceType}/${resource.id}`, resource);
  if (res.status >= 300) throw new Error(`${resource.resourceType}/${resource.id}: ${res.body}`);
}

async function load(app: TestApp): Promise<void> {
  const obs = (id: string, patient: string, text: string) => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { text },
    subject: { reference: `Patient/${patient}` },
    valueInteger: 3,
  });
  for (const r of [
    { resourceType: 'Patient', id: 'pat-a', name: [{ family: 'Ashford' }] },
    { resourceType: 'Patient', id: B, name: [{ family: 'Quixotebright' }] },
    obs('a-obs', 'pat-a', 'mood of Ashford'),
    obs('qxb-obs', B, 'mood of Quixotebright'),
    { resourceType: 'Practitioner', id: 'doc-a' },
    { resourceType: 'Practitioner', id: 'doc-x' },
    { resourceType: 'Practitioner', id: 'doc-b' },
    { resourceType: 'Group', id: 'group-b', type: 'person', actual: true, member: [{ entity: { reference: `Patient/${B}` } }] },
    { resourceType: 'PractitionerRole', id: 'role-b', active: true, practitioner: { reference: 'Practitioner/doc-b' } },
    { ...careTeam('Patient/pat-a', 'Practitioner/doc-a'), id: 'team-a' },
    { ...careTeam(`Patient/${B}`, 'PractitionerRole/role-b'), id: 'qxb-team', participant: [{ member: { reference: 'PractitionerRole/role-b' } }] },
    { ...consent('Patient/pat-a', 'RelatedPerson/rel-a'), id: 'consent-a' },
  ]) {
    await put(app, r);
  }
}

/** GET /api/v1/... with a bearer token. */
async function api(app: TestApp, token: string, path: string): Promise<FhirResponse> {
  return readResponse(await app.app.inject({ method: 'GET', url: `/api/v1${path}`, headers: { authorization: `Bearer ${token}` } }));
}

/** Every read path a token has, none of which may return anything of B. */
async function nothingOfB(t: Test, app: TestApp, label: string, token: string): Promise<void> {
  const fhir = app.as(token);
  for (const path of [`Patient/${B}`, 'Observation/qxb-obs', `Patient/${B}/_history/1`]) {
    const res = await fhir('GET', path);
    t.ok(res.status === 404 || res.status === 403, `${label}: GET ${path} answers ${res.status}`);
  }
  for (const path of [
    'Patient',
    'Observation',
    `Patient?_id=${B}`,
    'Observation?_include=Observation:subject',
    'Patient?_revinclude=Observation:subject&_revinclude=CareTeam:subject&_revinclude=Consent:patient',
    'CareTeam?_include=CareTeam:subject&_include=CareTeam:participant&_include:iterate=CareTeam:subject',
    'Consent?_include=Consent:patient',
    `Observation?subject=Patient/${B}`,
    `Observation?patient=${B}&_total=accurate`,
    '?_type=Patient,Observation&_count=100',
    `Patient/${B}/*`,
    `Patient/${B}/Observation`,
    '_history',
    'Observation/_history',
    'Patient/_history',
    'Observation/qxb-obs/_history',
    `Patient/${B}/_history`,
  ]) {
    const res = await fhir('GET', path);
    t.ok(res.status < 500, `${label}: GET ${path} (${res.status})`);
    t.notMatch(res.body, LEAK, `${label}: GET ${path} returns nothing of B`);
  }
  const count = await fhir('GET', `Observation?patient=${B}&_summary=count`);
  t.ok(count.status >= 400 || count.json?.total === 0, `${label}: not even a count of B's observations`);
  const posted = await fhir('POST', 'Observation/_search', `patient=${B}`, { 'content-type': 'application/x-www-form-urlencoded' });
  t.notMatch(posted.body, LEAK, `${label}: POST _search returns nothing of B`);
  const bundle = await fhir('POST', '', {
    resourceType: 'Bundle',
    type: 'batch',
    entry: [{ request: { method: 'GET', url: `Patient/${B}` } }, { request: { method: 'GET', url: `Observation?subject=Patient/${B}` } }],
  });
  t.notMatch(bundle.body, LEAK, `${label}: batch GETs return nothing of B`);
  for (const path of [`/patients/${B}/summary`, `/patients/${B}/mood-entries`, `/patients/${B}/vitals`]) {
    const res = await api(app, token, path);
    t.ok(res.status === 404 || res.status === 403, `${label}: GET /api/v1${path} answers ${res.status}`);
    t.notMatch(res.body, LEAK, `${label}: /api/v1${path} returns nothing of B`);
  }
}

/** A write that must not be stored: any 4xx (no 2xx, no 5xx). */
function refused(t: Test, what: string, res: FhirResponse): void {
  t.ok(res.status >= 400 && res.status < 500, `${what}: refused (${res.status} ${res.body.slice(0, 200)})`);
  if (res.status >= 400) t.equal(res.json?.resourceType, 'OperationOutcome', `${what}: an OperationOutcome`);
}

/** Each way of writing one resource; `refused` is checked on every answer (batch: on the entry). */
async function everyWrite(t: Test, fhir: FhirClient, label: string, resource: Record<string, unknown>, existingId?: string): Promise<void> {
  const type = resource.resourceType as string;
  const tag = Math.random().toString(36).slice(2, 10);
  const body = { ...resource, identifier: [{ system: 'urn:test:forge', value: tag }] };
  refused(t, `${label}: POST`, await fhir('POST', type, body));
  refused(t, `${label}: PUT new id`, await fhir('PUT', `${type}/forged-${tag}`, { ...body, id: `forged-${tag}` }));
  refused(t, `${label}: conditional create`, await fhir('POST', type, body, { 'if-none-exist': `identifier=urn:test:forge|${tag}` }));
  refused(t, `${label}: conditional update`, await fhir('PUT', `${type}?identifier=urn:test:forge|${tag}`, body));
  if (existingId) {
    refused(t, `${label}: PUT over ${type}/${existingId}`, await fhir('PUT', `${type}/${existingId}`, { ...body, id: existingId }));
    const patch = Object.entries(resource)
      .filter(([key]) => key === 'subject' || key === 'patient' || key === 'practitioner' || key === 'link' || key === 'member' || key === 'contained')
      .map(([key, value]) => ({ op: 'add', path: `/${key}`, value }));
    refused(t, `${label}: PATCH ${type}/${existingId}`, await fhir('PATCH', `${type}/${existingId}`, patch));
  }
  const entry = { fullUrl: `urn:uuid:${crypto.randomUUID()}`, resource: body, request: { method: 'POST', url: type } };
  refused(t, `${label}: transaction`, await fhir('POST', '', { resourceType: 'Bundle', type: 'transaction', entry: [entry] }));
  const conditional = { ...entry, request: { method: 'PUT', url: `${type}?identifier=urn:test:forge|${tag}` } };
  refused(t, `${label}: transaction, conditional update`, await fhir('POST', '', { resourceType: 'Bundle', type: 'transaction', entry: [conditional] }));
  const batch = await fhir('POST', '', {
    resourceType: 'Bundle',
    type: 'batch',
    entry: [entry, { ...entry, request: { method: 'POST', url: type, ifNoneExist: `identifier=urn:test:forge|${tag}` } }],
  });
  t.equal(batch.status, 200, `${label}: batch answered`);
  for (const [i, e] of (batch.json?.entry ?? []).entries()) {
    t.match(e.response?.status, /^4/, `${label}: batch entry ${i} refused (${e.response?.status})`);
  }
}

t.test('a confined token cannot widen who sees what', async (t) => {
  const app = await testApp(t);
  await load(app);
  const writers: Array<[string, string, Record<string, string>]> = [
    ['patient A', 'patient/*.cruds', { patient: 'pat-a' }],
    ['Patient A as user', 'user/*.cruds', { fhirUser: 'Patient/pat-a' }],
    ['a Practitioner on A’s CareTeam', 'user/*.cruds', { fhirUser: 'Practitioner/doc-a' }],
    ['a RelatedPerson with A’s Consent', 'user/*.cruds', { fhirUser: 'RelatedPerson/rel-a' }],
  ];
  const beneficiaries: Array<[string, string]> = [
    ['Practitioner named by forged CareTeams', await app.token('user/*.rs', { fhirUser: 'Practitioner/doc-x' })],
    ['RelatedPerson named by forged Consents', await app.token('user/*.rs', { fhirUser: 'RelatedPerson/rel-x' })],
    ['Practitioner A’s PractitionerRole would point at', await app.token('user/*.rs', { fhirUser: 'Practitioner/doc-a' })],
  ];

  // Positive controls: the relationships to A work, so that a refusal below is about B.
  t.equal((await app.as(await app.token('user/*.rs', { fhirUser: 'Practitioner/doc-a' }))('GET', 'Observation/a-obs')).status, 200);
  t.equal((await app.as(await app.token('user/*.rs', { fhirUser: 'RelatedPerson/rel-a' }))('GET', 'Observation/a-obs')).status, 200);
  t.equal(
    (await app.as(await app.token('user/*.rs', { fhirUser: 'Practitioner/doc-b' }))('GET', 'Observation/qxb-obs')).status,
    200,
    'doc-b reaches B through role-b',
  );

  for (const [who, scope, claims] of writers) {
    t.test(`${who} writes`, async (t) => {
      const fhir = app.as(await app.token(scope, claims));
      for (const [form, subject] of FORGED_SUBJECTS) {
        await everyWrite(t, fhir, `CareTeam about ${form}`, careTeam(subject, 'Practitioner/doc-x'), 'team-a');
        await everyWrite(t, fhir, `Consent about ${form}`, consent(subject, 'RelatedPerson/rel-x'), 'consent-a');
      }
      // PractitionerRole: pointing B's role at A's Practitioner would open B's record to them.
      await everyWrite(
        t,
        fhir,
        'PractitionerRole of B’s team for doc-a',
        { resourceType: 'PractitionerRole', active: true, practitioner: { reference: 'Practitioner/doc-a' } },
        'role-b',
      );
      // Patient.link, Group, RelatedPerson naming B: each would put B's compartment in play.
      await everyWrite(
        t,
        fhir,
        'Patient A linked to B',
        { resourceType: 'Patient', name: [{ family: 'Ashford' }], link: [{ other: { reference: `Patient/${B}` }, type: 'seealso' }] },
        'pat-a',
      );
      await everyWrite(
        t,
        fhir,
        'Group of A and B',
        {
          resourceType: 'Group',
          type: 'person',
          actual: true,
          member: [{ entity: { reference: 'Patient/pat-a' } }, { entity: { reference: `Patient/${B}` } }],
        },
        'group-b',
      );
      await everyWrite(t, fhir, 'RelatedPerson of B', { resourceType: 'RelatedPerson', patient: { reference: `Patient/${B}` } });
    });
  }

  t.test('afterwards, no token receives anything of B', async (t) => {
    for (const [who, scope, claims] of writers) await nothingOfB(t, app, who, await app.token(scope.replace('cruds', 'rs'), claims));
    for (const [who, token] of beneficiaries) await nothingOfB(t, app, who, token);
    const { rows } = await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM resource WHERE content LIKE '%urn:test:forge%'`);
    t.equal(rows[0].n, 0, 'no forged resource was stored');
  });
});

t.test('a forged CareTeam or Consent already stored grants nothing', async (t) => {
  const app = await testApp(t);
  await load(app);
  // Written by a backend service (or stored before the fix): the store keeps them as data, and
  // access reads who they are about from the parsed reference, so they open nothing of B.
  let n = 0;
  for (const [form, subject] of FORGED_SUBJECTS.filter(
    ([, s]) => s !== `Patient/${B}` && !s.includes('_history') && !s.startsWith('http://haven.test/fhir/Patient/qxb'),
  )) {
    const team = await app.fhir('PUT', `CareTeam/forged-${++n}`, { ...careTeam(subject, 'Practitioner/doc-x'), id: `forged-${n}` });
    t.equal(team.status, 201, `a backend service may store a CareTeam about ${form}`);
    const c = await app.fhir('PUT', `Consent/forged-${n}`, { ...consent(subject, 'RelatedPerson/rel-x'), id: `forged-${n}` });
    t.equal(c.status, 201, `a backend service may store a Consent about ${form}`);
  }
  await nothingOfB(t, app, 'Practitioner named by stored forged CareTeams', await app.token('user/*.rs', { fhirUser: 'Practitioner/doc-x' }));
  await nothingOfB(t, app, 'RelatedPerson named by stored forged Consents', await app.token('user/*.rs', { fhirUser: 'RelatedPerson/rel-x' }));

  // The absolute and versioned forms of a local Patient are B as the compartments read them: a
  // backend service writing them means B, and the relationship holds (the parsed form, both ways).
  await put(app, {
    ...careTeam(`http://haven.test/fhir/Patient/${B}/_history/1`, 'Practitioner/doc-x'),
    id: 'team-b-abs',
    participant: [{ member: { reference: 'Practitioner/doc-x' } }],
  });
  t.equal(
    (await app.as(await app.token('user/*.rs', { fhirUser: 'Practitioner/doc-x' }))('GET', 'Observation/qxb-obs')).status,
    200,
    'a real CareTeam of B in absolute, versioned form opens B',
  );
});

t.test('a confined token still writes care relationships about its own patient', async (t) => {
  const app = await testApp(t);
  await load(app);
  const patient = app.as(await app.token('patient/*.cruds', { patient: 'pat-a' }));
  const team = await patient('POST', 'CareTeam', careTeam('Patient/pat-a', 'Practitioner/doc-x'));
  t.equal(team.status, 201, team.body);
  const abs = await patient('POST', 'Consent', consent('http://haven.test/fhir/Patient/pat-a', 'RelatedPerson/rel-x'));
  t.equal(abs.status, 201, 'absolute local form of A');
  t.equal((await app.as(await app.token('user/*.rs', { fhirUser: 'Practitioner/doc-x' }))('GET', 'Observation/a-obs')).status, 200);
  t.equal((await app.as(await app.token('user/*.rs', { fhirUser: 'RelatedPerson/rel-x' }))('GET', 'Observation/a-obs')).status, 200);
  const missing = await patient('POST', 'CareTeam', { resourceType: 'CareTeam', status: 'active', participant: [{ member: { reference: 'Patient/pat-a' } }] });
  t.equal(missing.status, 422, 'a CareTeam without a subject is refused to a confined token');
  t.equal(errorCode(missing.json), 'invalid-resource');
  t.same(missing.json?.issue?.[0]?.expression, ['CareTeam.subject']);
});
