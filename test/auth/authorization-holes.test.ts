// Holes in the authorization that the isolation matrix found, one test each (they failed before
// their fixes): the AuditEvent view for care-relationship tokens, history under query
// restrictions and its audit record, conditional writes and deletes as existence oracles, writes
// that touch a second patient's compartment, fhirUser from another server, and counts.
import t from 'tap';
import { testApp, type TestApp } from '../helpers/app.js';
import { auditRows } from '../helpers/audit.js';

const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const observation = (id: string, patient: string, category: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  category: [{ coding: [{ system: CATEGORY, code: category }] }],
  code: { text: 'heart rate' },
  subject: { reference: `Patient/${patient}` },
  identifier: [{ system: 'http://haven.test/obs', value: id }],
  ...extra,
});

async function load(app: TestApp, resources: Array<Record<string, unknown>>): Promise<void> {
  for (const r of resources) {
    const res = await app.fhir('PUT', `${r.resourceType}/${r.id}`, r);
    if (res.status >= 300) throw new Error(`${r.resourceType}/${r.id}: ${res.body}`);
  }
}

t.test('authorization holes', async (t) => {
  const app = await testApp(t);
  await load(app, [
    { resourceType: 'Patient', id: 'a', name: [{ family: 'Ashford' }] },
    { resourceType: 'Patient', id: 'b', name: [{ family: 'Brightwater' }] },
    { resourceType: 'Practitioner', id: 'doc' },
    {
      resourceType: 'CareTeam',
      id: 'team-a',
      status: 'active',
      subject: { reference: 'Patient/a' },
      participant: [{ member: { reference: 'Practitioner/doc' } }],
    },
    {
      resourceType: 'Consent',
      id: 'consent-a',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: 'Patient/a' },
      provision: { type: 'permit', actor: [{ role: { text: 'family' }, reference: { reference: 'RelatedPerson/rp' } }] },
    },
    observation('oa', 'a', 'vital-signs'),
    observation('ob', 'b', 'vital-signs'),
  ]);
  // oh: a survey first, a vital sign in its second version.
  await load(app, [observation('oh', 'a', 'survey')]);
  await load(app, [observation('oh', 'a', 'vital-signs')]);
  // Reads of B's data by a system token, so that the audit trail holds events about B, and a search
  // whose query names B although its record for A lists only A's data.
  t.equal((await app.fhir('GET', 'Observation/ob')).status, 200);
  t.equal((await app.fhir('GET', 'Observation?subject=Patient/a,Patient/b')).status, 200);

  t.test('1. AuditEvent view for a care-team Practitioner and a consented RelatedPerson', async (t) => {
    for (const fhirUser of ['Practitioner/doc', 'RelatedPerson/rp']) {
      const fhir = app.as(await app.token('user/*.rs', { fhirUser }));
      const res = await fhir('GET', 'AuditEvent?_count=100');
      t.equal(res.status, 200, `${fhirUser}: ${res.body.slice(0, 300)}`);
      t.ok(res.json?.entry?.length, `${fhirUser} sees the events about A`);
      t.notMatch(res.body, /Patient\/b|Observation\/ob/, `${fhirUser} sees nothing about B`);
      const queries = (res.json?.entry ?? []).flatMap((e: { resource: { entity?: Array<{ query?: string }> } }) =>
        (e.resource.entity ?? []).filter((x) => x.query).map((x) => Buffer.from(x.query as string, 'base64').toString()),
      );
      t.same(
        queries.filter((q: string) => /Patient(\/|%2F)b/i.test(q)),
        [],
        `${fhirUser}: no recorded query names B`,
      );
    }
  });

  t.test('2. history under a query restriction: only matching versions, and the audit says so', async (t) => {
    const vitals = app.as(await app.token('patient/Observation.rs?category=vital-signs', { patient: 'a' }));
    for (const path of ['Observation/oh/_history', 'Observation/_history', '_history?_type=Observation']) {
      const requestId = `history-${path.replace(/\W/g, '-')}`;
      const res = await vitals('GET', path, undefined, { 'x-request-id': requestId });
      t.equal(res.status, 200, path);
      const returned = (res.json.entry ?? []).map(
        (e: { resource: { id: string; meta: { versionId: string } } }) => `Observation/${e.resource.id}/${e.resource.meta.versionId}`,
      );
      t.notOk(returned.includes('Observation/oh/1'), `${path}: the survey version is not returned`);
      t.ok(returned.includes('Observation/oh/2'), `${path}: the vital-signs version is`);
      const rows = await auditRows(app.db, requestId);
      const recorded = rows.reduce((n, r) => n + (r.result_count ?? 0), 0);
      t.equal(recorded, returned.length, `${path}: the audit counts what was returned`);
    }
  });

  t.test('3. conditional writes never touch or reveal B', async (t) => {
    const fhir = app.as(await app.token('patient/*.cruds', { patient: 'a' }));
    const onlyB = 'identifier=http://haven.test/obs|ob';
    const anyPatient = 'code:text=heart';
    // If-None-Exist matching only B: as no match, so A's resource is created.
    const created = await fhir('POST', 'Observation', { ...observation('x', 'a', 'vital-signs'), id: undefined }, { 'if-none-exist': onlyB });
    t.equal(created.status, 201, 'a match only in B is no match');
    t.notMatch(created.body, /"id":"ob"/);
    // Criteria matching A and B: only A's matches count (no 412 from B's).
    const patch = await fhir('PATCH', `Observation?identifier=http://haven.test/obs|oa`, [{ op: 'replace', path: '/status', value: 'amended' }]);
    t.equal(patch.status, 200);
    t.equal((await fhir('PATCH', `Observation?${onlyB}`, [{ op: 'replace', path: '/status', value: 'cancelled' }])).status, 404, 'patch: B is no match');
    const put = await fhir('PUT', `Observation?${onlyB}`, { ...observation('ob', 'a', 'vital-signs'), id: undefined });
    t.not(put.status, 200, 'B is not updated');
    t.notMatch(put.body, /"id":"ob"|Observation\/ob/, 'nor named');
    t.equal((await fhir('DELETE', `Observation?${onlyB}`)).status, 204);
    // Criteria that match one of A's and one of B's: one match, not 412.
    const both = 'identifier=http://haven.test/obs|oa,http://haven.test/obs|ob';
    const oneOfEach = await fhir('PATCH', `Observation?${both}`, [{ op: 'replace', path: '/status', value: 'corrected' }]);
    t.equal(oneOfEach.status, 200, `B's match does not make it ambiguous: ${oneOfEach.body.slice(0, 200)}`);
    t.equal(oneOfEach.json?.id, 'oa');
    const existing = await fhir('POST', 'Observation', { ...observation('y', 'a', 'vital-signs'), id: undefined }, { 'if-none-exist': both });
    t.equal(existing.status, 200, 'If-None-Exist finds A’s one match');
    const chained = await fhir(
      'POST',
      'Observation',
      { ...observation('z', 'a', 'vital-signs'), id: undefined },
      { 'if-none-exist': 'subject:Patient.name=Brightwater' },
    );
    t.equal(chained.status, 201, 'a chain into B matches nothing');
    // A conditional reference in a transaction resolves only within reach.
    const tx = await fhir('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          request: { method: 'POST', url: 'Observation' },
          resource: { ...observation('r', 'a', 'vital-signs'), id: undefined, hasMember: [{ reference: 'Observation?identifier=http://haven.test/obs|ob' }] },
        },
      ],
    });
    t.not(tx.status, 200, 'a conditional reference to B does not resolve');
    const txNone = await fhir('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          request: { method: 'POST', url: 'Observation' },
          resource: { ...observation('r', 'a', 'vital-signs'), id: undefined, hasMember: [{ reference: 'Observation?identifier=http://haven.test/obs|zz' }] },
        },
      ],
    });
    t.equal(tx.status, txNone.status);
    t.equal(tx.body.replace(/\|ob\b/g, '|zz'), txNone.body, 'answers as a reference that matches nothing');
    const txUpdate = await fhir('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ request: { method: 'PUT', url: `Observation?${onlyB}` }, resource: { ...observation('u', 'a', 'vital-signs'), id: undefined } }],
    });
    t.equal(txUpdate.status, 200, 'conditional update in a transaction: B is no match, A’s resource is created');
    t.match(txUpdate.json?.entry?.[0]?.response?.status, /^201/);
    const txCreate = await fhir('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ request: { method: 'POST', url: 'Observation', ifNoneExist: onlyB }, resource: { ...observation('t', 'a', 'vital-signs'), id: undefined } }],
    });
    t.equal(txCreate.status, 200, txCreate.body.slice(0, 200));
    t.match(txCreate.json?.entry?.[0]?.response?.status, /^201/, 'ifNoneExist in a transaction: B is no match');
    const many = await fhir('DELETE', `Observation?${anyPatient}&subject=Patient/b`);
    t.equal(many.status, 204, 'criteria that only B matches delete nothing and answer as no match');
    const b = await app.fhir('GET', 'Observation/ob');
    t.equal(b.json.meta.versionId, '1', 'B is untouched');
    t.equal(b.json.status, 'final');
  });

  t.test('4. DELETE of what the caller cannot reach answers as for an unknown id', async (t) => {
    const fhir = app.as(await app.token('patient/*.cruds', { patient: 'a' }));
    const unknown = await fhir('DELETE', 'Observation/no-such-id');
    const hidden = await fhir('DELETE', 'Observation/ob');
    t.equal(hidden.status, unknown.status);
    t.equal(hidden.body, unknown.body);
    const ifMatchUnknown = await fhir('DELETE', 'Observation/no-such-id', undefined, { 'if-match': 'W/"1"' });
    const ifMatchHidden = await fhir('DELETE', 'Observation/ob', undefined, { 'if-match': 'W/"1"' });
    t.equal(ifMatchHidden.status, ifMatchUnknown.status, 'with If-Match as well');
    t.equal(ifMatchHidden.json?.issue?.[0]?.diagnostics?.replace('ob', 'no-such-id'), ifMatchUnknown.json?.issue?.[0]?.diagnostics);
    for (const type of ['batch', 'transaction']) {
      const bundle = (id: string) => ({ resourceType: 'Bundle', type, entry: [{ request: { method: 'DELETE', url: `Observation/${id}` } }] });
      const strip = (body: string) => body.replace(/"id":"[0-9a-f-]{36}","meta":\{[^}]*\},/, '');
      const named = await fhir('POST', '', bundle('ob'));
      const none = await fhir('POST', '', bundle('zz'));
      t.equal(named.status, none.status, `${type} DELETE of B: same status as an unknown id`);
      t.equal(strip(named.body).replace(/Observation\/ob\b/g, 'Observation/zz'), strip(none.body), `${type} DELETE of B: same answer`);
    }
    const b = await app.fhir('GET', 'Observation/ob');
    t.equal(b.status, 200, 'B is still there');
    t.equal(b.json.meta.versionId, '1');
  });

  t.test('5. a write needs every patient compartment of the resource within reach', async (t) => {
    const fhir = app.as(await app.token('patient/*.cruds', { patient: 'a' }));
    const performedByB = { ...observation('x', 'a', 'vital-signs'), id: undefined, performer: [{ reference: 'Patient/b' }] };
    t.equal((await fhir('POST', 'Observation', performedByB)).status, 403, 'create');
    t.equal((await fhir('PUT', 'Observation/oa', { ...performedByB, id: 'oa' })).status, 403, 'update');
    const linked = await fhir('PATCH', 'Patient/a', [{ op: 'add', path: '/link', value: [{ other: { reference: 'Patient/b' }, type: 'seealso' }] }]);
    t.equal(linked.status, 403, 'patch that links B');
    const bundle = await fhir('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ request: { method: 'POST', url: 'Observation' }, resource: performedByB }],
    });
    t.equal(bundle.status, 403, 'transaction entry');
    // The same for a clinician on A's team only.
    const doc = app.as(await app.token('user/*.cruds', { fhirUser: 'Practitioner/doc' }));
    t.equal((await doc('POST', 'Observation', performedByB)).status, 403, 'clinician create');
    t.equal((await doc('POST', 'Observation', { ...performedByB, performer: undefined })).status, 201, 'without B it is allowed');
  });

  t.test('6. fhirUser counts only when it names this server', async (t) => {
    const elsewhere = app.as(await app.token('user/*.rs', { fhirUser: 'https://other.example/fhir/Practitioner/doc' }));
    const refused = await elsewhere('GET', 'Observation/oa');
    t.ok([403, 404].includes(refused.status), 'a Practitioner of another server reaches nothing');
    t.notMatch(refused.body, /"id":"oa"/);
    const patientElsewhere = app.as(await app.token('user/*.rs', { fhirUser: 'https://other.example/fhir/Patient/a' }));
    t.not((await patientElsewhere('GET', 'Observation/oa')).status, 200, 'nor does a Patient of another server');
    const here = app.as(await app.token('user/*.rs', { fhirUser: 'http://haven.test/fhir/Practitioner/doc' }));
    t.equal((await here('GET', 'Observation/oa')).status, 200, 'an absolute URL of this server counts');
    const relative = app.as(await app.token('user/*.rs', { fhirUser: 'Practitioner/doc' }));
    t.equal((await relative('GET', 'Observation/oa')).status, 200, 'a relative one too');
  });

  t.test('7. counts and side channels say nothing about B', async (t) => {
    const fhir = app.as(await app.token('patient/*.rs', { patient: 'a' }));
    const total = (path: string) => fhir('GET', path).then((r) => ({ total: r.json?.total as number | undefined, body: r.body, status: r.status }));
    const withB = await total('Observation?subject=Patient/b&_summary=count');
    t.equal(withB.total, 0, '_summary=count of B');
    t.equal((await total('Observation?subject=Patient/b&_total=accurate')).total, 0);
    t.equal((await total('Observation?subject:Patient.name=Brightwater&_summary=count')).total, 0, 'chain');
    t.equal((await total('Patient?_has:Observation:subject:identifier=http://haven.test/obs|ob&_summary=count')).total, 0, '_has');
    t.equal((await total('Patient?name=Brightwater&_summary=count')).total, 0);
    const elements = await fhir('GET', 'Observation?_elements=subject&_include=Observation:subject&_revinclude=Observation:subject');
    t.notMatch(elements.body, /Patient\/b|Brightwater|"id":"(b|ob)"/);
  });
});
