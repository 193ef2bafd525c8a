// A patient/ token for patient A, with data of patients A and B loaded, never receives anything of
// B on any read path that exists, and cannot write outside A's compartment (CONTRACT, Authorization;
// reference/smart-scopes.md 1.4). Search, _include, chains, _has and counts join this matrix when
// the search routes land.
import t, { type Test } from 'tap';
import { testApp, type FhirClient } from '../helpers/app.js';
import { errorCode } from '../helpers/outcome.js';

const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const observation = (id: string, patient: string, category: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  category: [{ coding: [{ system: CATEGORY, code: category }] }],
  code: { text: 'heart rate' },
  subject: { reference: `Patient/${patient}` },
  identifier: [{ system: 'http://haven.test/obs', value: id }],
});

t.test('patient A against patient B', async (t) => {
  const app = await testApp(t);
  for (const body of [
    { resourceType: 'Patient', id: 'a', gender: 'female' },
    { resourceType: 'Patient', id: 'b', gender: 'male' },
    { resourceType: 'Practitioner', id: 'pr1' },
    observation('oa', 'a', 'vital-signs'),
    observation('oa2', 'a', 'survey'),
    observation('ob', 'b', 'vital-signs'),
  ]) {
    t.equal((await app.fhir('PUT', `${body.resourceType}/${body.id}`, body)).status, 201);
  }
  t.equal((await app.fhir('PUT', 'Observation/ob', { ...observation('ob', 'b', 'vital-signs'), status: 'amended' })).status, 200);
  t.equal((await app.fhir('PUT', 'Observation/oa', { ...observation('oa', 'a', 'vital-signs'), status: 'amended' })).status, 200);

  const ids = (bundle: { entry?: Array<{ fullUrl: string }> }) => (bundle.entry ?? []).map((e) => e.fullUrl.replace('http://haven.test/fhir/', '')).sort();
  const noB = (t: Test, body: string) => {
    t.notMatch(body, /"id":"(b|ob)"|"reference":"Patient\/b"|fhir\/(Patient\/b|Observation\/ob)"/, 'nothing of B');
  };

  t.test('reads of patient/*.rs for A', async (t) => {
    const fhir = app.as(await app.token('patient/*.rs', { patient: 'a' }));
    t.equal((await fhir('GET', 'Patient/a')).status, 200);
    t.equal((await fhir('GET', 'Observation/oa')).status, 200);
    for (const path of ['Patient/b', 'Observation/ob', 'Observation/ob/_history/1', 'Observation/ob/_history/2', 'Patient/b/_history/1', 'Practitioner/pr1']) {
      const res = await fhir('GET', path);
      t.equal(res.status, 404, `${path} is not found`);
      noB(t, res.body);
    }
    t.equal((await fhir('GET', 'Observation/oa/_history/1')).status, 200);
    // Issue 13: instance history of what the token cannot reach answers 404, as its read does.
    const instance = await fhir('GET', 'Observation/ob/_history');
    t.equal(instance.status, 404, 'instance history of B is not found');
    t.same(ids(await fhir('GET', 'Observation/oa/_history').then((r) => r.json)), ['Observation/oa', 'Observation/oa']);
    const type = await fhir('GET', 'Observation/_history');
    t.same(ids(type.json), ['Observation/oa', 'Observation/oa', 'Observation/oa2']);
    noB(t, type.body);
    const system = await fhir('GET', '_history');
    t.same(ids(system.json), ['Observation/oa', 'Observation/oa', 'Observation/oa2', 'Patient/a']);
    noB(t, system.body);
    const paged = await fhir('GET', '_history?_count=1');
    noB(t, paged.body);
    t.equal(paged.json.entry.length, 1);
  });

  t.test('v1 patient/*.read and user/ with a Patient fhirUser behave the same', async (t) => {
    for (const fhir of [app.as(await app.token('patient/*.read', { patient: 'a' })), app.as(await app.token('user/*.rs', { fhirUser: 'Patient/a' }))]) {
      t.equal((await fhir('GET', 'Observation/oa')).status, 200);
      t.equal((await fhir('GET', 'Observation/ob')).status, 404);
      noB(t, (await fhir('GET', '_history')).body);
    }
  });

  t.test('a patient/ scope without a patient claim grants nothing', async (t) => {
    const res = await app.as(await app.token('patient/*.rs'))('GET', 'Observation/oa');
    t.equal(res.status, 403);
    t.equal(errorCode(res.json), 'scope-missing');
  });

  t.test('writes of patient/*.cruds for A stay in A', async (t) => {
    const fhir: FhirClient = app.as(await app.token('patient/*.cruds', { patient: 'a' }));
    const mine = await fhir('POST', 'Observation', { ...observation('x', 'a', 'vital-signs'), id: undefined });
    t.equal(mine.status, 201, 'create in A');
    t.equal((await fhir('POST', 'Observation', { ...observation('x', 'b', 'vital-signs'), id: undefined })).status, 403, 'create in B');
    t.equal((await fhir('POST', 'Patient', { resourceType: 'Patient' })).status, 403, 'a new Patient is not A');
    t.equal((await fhir('PUT', 'Patient/b', { resourceType: 'Patient', id: 'b' })).status, 403, 'update of B');
    t.equal((await fhir('PUT', 'Observation/ob', observation('ob', 'a', 'vital-signs'))).status, 403, 'taking over B');
    t.equal((await fhir('PUT', 'Observation/oa', observation('oa', 'b', 'vital-signs'))).status, 403, 'moving A to B');
    t.equal((await fhir('PATCH', 'Observation/ob', [{ op: 'replace', path: '/status', value: 'cancelled' }])).status, 404, 'patch of B');
    t.equal((await fhir('PATCH', 'Observation/oa', [{ op: 'replace', path: '/subject/reference', value: 'Patient/b' }])).status, 403, 'patch moving A to B');
    t.equal((await fhir('DELETE', 'Observation/ob')).status, 204, 'delete of B answers as for an unknown id, and deletes nothing');
    t.equal((await fhir('DELETE', 'Observation?identifier=http://haven.test/obs|ob')).status, 204, 'conditional delete finds nothing of B');
    const update = await fhir('PUT', 'Observation?identifier=http://haven.test/obs|ob', { ...observation('ob', 'b', 'final'), id: undefined });
    t.equal(update.status, 403, 'conditional update cannot reach or create in B');
    const b = await app.fhir('GET', 'Observation/ob');
    t.equal(b.status, 200, 'B is untouched');
    t.equal(b.json.meta.versionId, '2');
    t.equal(b.json.status, 'amended');
    t.equal((await fhir('PUT', 'Observation/oa', { ...observation('oa', 'a', 'vital-signs'), status: 'final' })).status, 200, 'update in A');
    t.equal((await fhir('DELETE', `Observation/${mine.json.id}`)).status, 204, 'delete in A');
  });

  t.test('v2 query restrictions: reads and writes only of matching resources', async (t) => {
    const vitals = app.as(await app.token('patient/Observation.rs?category=vital-signs', { patient: 'a' }));
    t.equal((await vitals('GET', 'Observation/oa')).status, 200);
    t.equal((await vitals('GET', 'Observation/oa2')).status, 404, 'a survey is not a vital sign');
    t.equal((await vitals('GET', 'Observation/ob')).status, 404, 'compartment AND restriction');
    const history = ids((await vitals('GET', 'Observation/_history')).json);
    t.ok(history.includes('Observation/oa'));
    t.notOk(history.includes('Observation/oa2') || history.includes('Observation/ob'), 'history shows only matching versions');

    const system = app.as(await app.token(`system/Observation.rs?category=${CATEGORY}|vital-signs`));
    t.equal((await system('GET', 'Observation/ob')).status, 200, 'system/ with a restriction reaches every patient');
    t.equal((await system('GET', 'Observation/oa2')).status, 404);
    const either = app.as(await app.token('system/Observation.rs?category=survey system/Observation.rs?category=vital-signs'));
    t.equal((await either('GET', 'Observation/oa2')).status, 200, 'restrictions on one type add up');
    const wider = app.as(await app.token('system/Observation.rs?category=survey system/Observation.r'));
    t.equal((await wider('GET', 'Observation/ob')).status, 200, 'an unrestricted scope wins');

    const writer = app.as(await app.token('patient/Observation.cru?category=vital-signs', { patient: 'a' }));
    t.equal((await writer('POST', 'Observation', { ...observation('n', 'a', 'survey'), id: undefined })).status, 403, 'create must match');
    t.equal((await writer('POST', 'Observation', { ...observation('n', 'a', 'vital-signs'), id: undefined })).status, 201);
    t.equal((await writer('PUT', 'Observation/oa', observation('oa', 'a', 'survey'))).status, 403, 'the result must match');
    t.equal((await writer('PUT', 'Observation/oa2', observation('oa2', 'a', 'vital-signs'))).status, 403, 'the stored version must match');
    t.equal((await writer('PUT', 'Observation/oa', observation('oa', 'a', 'vital-signs'))).status, 200);

    for (const scope of ['system/Observation.rs?subject.name=x', 'system/Observation.rs?code:in=http://x', 'system/Observation.rs?nonsense=1']) {
      t.equal((await app.as(await app.token(scope))('GET', 'Observation/oa')).status, 403, `${scope} cannot be evaluated: grants nothing`);
    }
  });
});
