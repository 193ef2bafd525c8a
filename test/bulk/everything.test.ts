// GET Patient/{id}/$everything: the Patient and its compartment, paged, each entry as visible to
// the token; a patient/ token only for its own patient.
import t from 'tap';
import { bulkApp } from './helpers.js';
import { loadPopulation, observation } from './fixtures.js';

type Bundle = { type: string; entry?: Array<{ fullUrl: string; search?: { mode: string } }>; link?: Array<{ relation: string; url: string }> };
const refs = (b: Bundle) => (b.entry ?? []).map((e) => e.fullUrl.replace('http://haven.test/fhir/', '')).sort();

t.test('Patient $everything', async (t) => {
  const app = await bulkApp(t);
  await loadPopulation(app.fhir);
  await app.fhir('PUT', 'Observation/oa3', { ...observation('oa3', 'a', '8867-4'), effectiveDateTime: '2020-05-01' });
  await app.fhir('PUT', 'Observation/oa4', { ...observation('oa4', 'a', '8867-4'), effectiveDateTime: '2024-05-01' });

  t.test('a system token', async (t) => {
    const res = await app.fhir('GET', 'Patient/a/$everything');
    t.equal(res.status, 200);
    t.equal(res.json.type, 'searchset');
    // Group/g1 lists Patient a as a member: in a's compartment (R4 CompartmentDefinition).
    t.same(refs(res.json), ['Group/g1', 'Observation/oa1', 'Observation/oa2', 'Observation/oa3', 'Observation/oa4', 'Patient/a']);
    t.equal((await app.fhir('GET', 'Patient/nope/$everything')).status, 404);
  });

  t.test('paging keeps the parameters', async (t) => {
    const seen: string[] = [];
    let res = await app.fhir('GET', 'Patient/a/$everything?_count=2&_type=Observation');
    for (let i = 0; i < 10 && res.status === 200; i++) {
      seen.push(...refs(res.json));
      const next = res.json.link?.find((l: { relation: string }) => l.relation === 'next');
      if (!next) break;
      t.match(next.url, /^http:\/\/haven\.test\/fhir\/Patient\/a\/\$everything\?.*_type=Observation/);
      res = await app.fhir('GET', next.url.replace('http://haven.test/fhir/', ''));
    }
    t.same(seen.sort(), ['Observation/oa1', 'Observation/oa2', 'Observation/oa3', 'Observation/oa4']);
  });

  t.test('_since, start and end', async (t) => {
    const before = new Date().toISOString();
    await app.fhir('PUT', 'Observation/oa2', { ...observation('oa2', 'a', '29463-7'), status: 'amended' });
    t.same(refs((await app.fhir('GET', `Patient/a/$everything?_since=${encodeURIComponent(before)}`)).json), ['Observation/oa2']);
    const windowed = await app.fhir('GET', 'Patient/a/$everything?start=2021-01-01&end=2025-01-01');
    t.same(
      refs(windowed.json),
      ['Group/g1', 'Observation/oa1', 'Observation/oa2', 'Observation/oa4', 'Patient/a'],
      'undated resources stay, dated ones outside the window go',
    );
    t.equal((await app.fhir('GET', 'Patient/a/$everything?_type=Practitioner')).status, 400);
    t.equal((await app.fhir('GET', 'Patient/a/$everything?start=soon')).status, 400);
    t.equal((await app.fhir('GET', 'Patient/a/$everything?code=x')).status, 400);
  });

  t.test('a patient token: its own patient only', async (t) => {
    const fhir = app.as(await app.token('patient/*.rs', { patient: 'a' }));
    const own = await fhir('GET', 'Patient/a/$everything');
    t.equal(own.status, 200);
    t.same(refs(own.json), ['Group/g1', 'Observation/oa1', 'Observation/oa2', 'Observation/oa3', 'Observation/oa4', 'Patient/a']);
    const other = await fhir('GET', 'Patient/b/$everything');
    t.equal(other.status, 404);
    t.notMatch(other.body, /ob1/);
    const observationsOnly = app.as(await app.token('patient/Observation.rs patient/Patient.r', { patient: 'a' }));
    t.same(
      refs((await observationsOnly('GET', 'Patient/a/$everything')).json),
      ['Observation/oa1', 'Observation/oa2', 'Observation/oa3', 'Observation/oa4'],
      'types it may not search are left out',
    );
  });
});
