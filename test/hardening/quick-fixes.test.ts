// Faults seen on main (issue 13): history of an unknown id, the summary's 365-day cap, the token
// issuer message, the Bundle entry limit, ifNoneExist written as "Type?query".
import t from 'tap';
import { mintAccessToken } from '../../src/auth/tokens.js';
import { loadConfig } from '../../src/config.js';
import { testApp } from '../helpers/app.js';

t.test('quick fixes', async (t) => {
  const app = await testApp(t);
  await app.fhir('PUT', 'Patient/a', { resourceType: 'Patient', id: 'a' });
  await app.fhir('PUT', 'Patient/b', { resourceType: 'Patient', id: 'b' });
  const obs = await app.fhir('POST', 'Observation', { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/b' } });

  t.test('instance history of an unknown or unreachable id answers 404 as a read does', async (t) => {
    let res = await app.fhir('GET', 'Observation/does-not-exist/_history');
    t.equal(res.status, 404);
    t.equal(res.json.resourceType, 'OperationOutcome');
    res = await app.fhir('GET', `Observation/${obs.json.id}/_history`);
    t.equal(res.status, 200);
    t.equal(res.json.entry.length, 1);
    res = await app.fhir('GET', `Observation/${obs.json.id}/_history?_since=2999-01-01T00:00:00Z`);
    t.equal(res.status, 200, 'a known id with nothing since: an empty history');
    t.equal(res.json.entry, undefined);
    const confinedToA = app.as(await app.token('patient/*.rs', { patient: 'a' }));
    const read = await confinedToA('GET', `Observation/${obs.json.id}`);
    const history = await confinedToA('GET', `Observation/${obs.json.id}/_history`);
    t.equal(read.status, 404);
    t.equal(history.status, read.status, "B's observation: the same answer as its read");
    const since = await confinedToA('GET', `Observation/${obs.json.id}/_history?_since=2999-01-01T00:00:00Z`);
    t.equal(since.status, 404);
    await app.fhir('DELETE', `Observation/${obs.json.id}`);
    res = await app.fhir('GET', `Observation/${obs.json.id}/_history`);
    t.equal(res.status, 200, 'a deleted resource still has its history');
    t.equal(res.json.entry.length, 2);
  });

  t.test('the summary covers up to 3650 days, weekly past a year', async (t) => {
    const summary = (query: string) =>
      app.app.inject({ method: 'GET', url: `/api/v1/patients/a/summary${query}`, headers: { authorization: app.authorization } });
    let res = await summary('?days=3650');
    t.equal(res.statusCode, 200, res.body.slice(0, 300));
    t.equal(res.json().days, 3650);
    t.equal(res.json().moodTrend.resolution, 'week');
    t.equal(res.json().moodTrend.days.length, Math.ceil(3650 / 7));
    t.ok(res.body.length < 100_000, 'the answer stays small');
    res = await summary('?days=365');
    t.equal(res.json().moodTrend.days.length, 365);
    t.equal(res.json().moodTrend.resolution, undefined);
    res = await summary('?days=3651');
    t.equal(res.statusCode, 400);
    t.match(res.json(), { resourceType: 'OperationOutcome', issue: [{ expression: ['days'] }] });
  });

  t.test('a token of another issuer is refused naming both issuers', async (t) => {
    const otherSettings = { ...app.services.auth.settings, issuer: 'http://127.0.0.1:9999/auth' };
    const token = await mintAccessToken(app.services.auth.keys, otherSettings, { scope: 'system/*.rs', ttlSeconds: 60 });
    const res = await app.as(token)('GET', 'Patient/a');
    t.equal(res.status, 401);
    const said = JSON.stringify(res.json) + String(res.headers['www-authenticate']);
    t.match(said, 'http://127.0.0.1:9999/auth', 'the issuer the token has');
    t.match(said, app.services.auth.settings.issuer, 'the issuer the server expects');
  });

  t.test('BUNDLE_MAX_ENTRIES accepts real loads by default: at least 10,000', async (t) => {
    t.ok(loadConfig({}).bundleMaxEntries >= 10000);
    const entries = Array.from({ length: 1200 }, (_, i) => ({
      fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resource: { resourceType: 'Basic', code: { text: `item ${i}` } },
      request: { method: 'POST', url: 'Basic' },
    }));
    const res = await app.fhir('POST', '', { resourceType: 'Bundle', type: 'batch', entry: entries });
    t.equal(res.status, 200, res.body.slice(0, 200));
    t.equal(res.json.entry.length, 1200);
  });

  t.test('ifNoneExist written as "Patient?identifier=..." is accepted', async (t) => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:5b1c6f2e-3c55-4f0b-9f8e-1e8f0b1a2c3d',
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:test', value: 'ine-1' }] },
          request: { method: 'POST', url: 'Patient', ifNoneExist: 'Patient?identifier=urn:test|ine-1' },
        },
      ],
    };
    const first = await app.fhir('POST', '', bundle);
    t.equal(first.status, 200, first.body.slice(0, 300));
    t.match(first.json.entry[0].response.status, /^201/);
    const second = await app.fhir('POST', '', bundle);
    t.equal(second.status, 200);
    t.match(second.json.entry[0].response.status, /^200/, 'the second finds the first');
    const search = await app.fhir('GET', 'Patient?identifier=urn:test|ine-1');
    t.equal(search.json.total ?? search.json.entry.length, 1);
  });
});
