// The Bulk Data $export flow end to end over HTTP (CONTRACT "Bulk Data", reference/bulk-data.md):
// kick-off, polling, manifest, files with and without the token, _type / _since / _typeFilter,
// Group and Patient level, and the errors a client can make.
import t from 'tap';
import { bulkApp, download, ids, KICKOFF_HEADERS, runExport, statusPath } from './helpers.js';
import { loadPopulation, observation } from './fixtures.js';

t.test('export flow', async (t) => {
  const app = await bulkApp(t);
  await loadPopulation(app.fhir);

  t.test('the CapabilityStatement declares the operations', async (t) => {
    const meta = (await app.as(undefined)('GET', 'metadata')).json;
    t.same(meta.instantiates, ['http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data']);
    t.match(meta.rest[0].operation, [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' }]);
    const resource = (type: string) => meta.rest[0].resource.find((r: { type: string }) => r.type === type);
    t.ok(resource('Patient').operation.some((o: { name: string; definition: string }) => o.name === 'export' && o.definition.endsWith('/patient-export')));
    t.ok(resource('Patient').operation.some((o: { name: string }) => o.name === 'everything'));
    t.ok(resource('Group').operation.some((o: { name: string; definition: string }) => o.name === 'export' && o.definition.endsWith('/group-export')));
  });

  t.test('system export: kick-off, polling, manifest, files', async (t) => {
    const kick = await app.fhir('GET', '$export?_type=Patient,Observation', undefined, KICKOFF_HEADERS);
    t.equal(kick.status, 202);
    const location = String(kick.headers['content-location']);
    t.match(location, /^http:\/\/haven\.test\/fhir\/bulk\/status\/[A-Za-z0-9_-]{20,}$/, 'absolute status URL on BASE_URL');
    t.equal(kick.json.resourceType, 'OperationOutcome');

    const waiting = await app.fhir('GET', statusPath(location), undefined, { accept: 'application/json' });
    t.equal(waiting.status, 202, 'running until the worker has done it');
    t.ok(String(waiting.headers['x-progress']).length < 100);
    t.match(String(waiting.headers['retry-after']), /^\d+$/);

    await app.worker().drain();
    const done = await app.fhir('GET', statusPath(location), undefined, { accept: 'application/json' });
    t.equal(done.status, 200);
    t.match(done.headers['content-type'], /^application\/json/);
    t.ok(done.headers.expires, 'Expires header');
    const manifest = done.json;
    t.same(Object.keys(manifest).sort(), ['error', 'output', 'request', 'requiresAccessToken', 'transactionTime']);
    t.equal(manifest.request, 'http://haven.test/fhir/$export?_type=Patient,Observation');
    t.equal(manifest.requiresAccessToken, true);
    t.same(manifest.error, []);
    t.same(
      manifest.output.map((o: { type: string }) => o.type),
      ['Patient', 'Observation'],
      'Patient first, no empty types',
    );
    t.ok(!Number.isNaN(Date.parse(manifest.transactionTime)));

    for (const item of manifest.output) {
      t.match(item.url, /^http:\/\/haven\.test\/fhir\/bulk\/files\//, 'absolute file URL');
      const path = item.url.replace('http://haven.test/fhir/', '');
      const anonymous = await app.as(undefined)('GET', path, undefined, { accept: 'application/fhir+ndjson' });
      t.equal(anonymous.status, 401, 'a file needs the token');
      const res = await app.fhir('GET', path, undefined, { accept: 'application/fhir+ndjson' });
      t.equal(res.status, 200);
      t.match(res.headers['content-type'], /^application\/fhir\+ndjson/);
      t.ok(res.body.endsWith('\n') && !res.body.includes('\n\n'), 'one resource a line, no blank lines');
      const lines = res.body.split('\n').filter(Boolean);
      t.equal(lines.length, item.count);
      for (const line of lines) {
        const resource = JSON.parse(line);
        t.equal(resource.resourceType, item.type, 'every line has the file type');
        t.same(app.services.validator.validate(resource), [], `${resource.resourceType}/${resource.id} is valid R4`);
      }
    }
    const files = await download(app.fhir, manifest);
    t.same(ids(files.Patient), ['a', 'b', 'c']);
    t.same(ids(files.Observation), ['oa1', 'oa2', 'ob1', 'oc1']);

    const other = app.as(await app.token('system/*.read', { subject: 'someone-else' }));
    t.equal((await other('GET', statusPath(location))).status, 404, 'another client cannot see the job');
    t.equal((await other('GET', manifest.output[0].url.replace('http://haven.test/fhir/', ''))).status, 404, 'nor its files');

    const audit = await app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE 'Observation/ob1' = ANY(entity_refs) AND query LIKE '%$export%'`,
    );
    t.ok(audit.rows[0].n >= 1, 'exported resources are in the audit trail');
    const downloads = await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE query LIKE 'bulk/files/%'`);
    t.ok(downloads.rows[0].n >= 2, 'downloads are audited');
  });

  t.test('without _type: every type the token may read', async (t) => {
    const { manifest } = await runExport(app, app.fhir, '$export');
    t.same(manifest.output.map((o) => o.type).sort(), ['Group', 'Observation', 'Patient', 'Practitioner']);
    t.same(manifest.error, []);
  });

  t.test('_since', async (t) => {
    const { manifest: first } = await runExport(app, app.fhir, '$export?_type=Observation');
    t.equal((await app.fhir('PUT', 'Observation/ob1', { ...observation('ob1', 'b', '8867-4'), status: 'amended' })).status, 200);
    const { manifest } = await runExport(app, app.fhir, `$export?_type=Observation,Patient&_since=${encodeURIComponent(first.transactionTime)}`);
    const files = await download(app.fhir, manifest);
    t.same(ids(files.Observation), ['ob1'], 'only what changed after the previous transactionTime');
    t.notOk(files.Patient, 'no empty files');
    const offset = first.transactionTime.replace('Z', '+00:00');
    t.equal((await app.fhir('GET', `$export?_since=${encodeURIComponent(offset)}`, undefined, KICKOFF_HEADERS)).status, 202, '+00:00 offsets are read');
    await app.worker().drain();
  });

  t.test('_typeFilter', async (t) => {
    const filter = encodeURIComponent('Observation?code=http://loinc.org|29463-7');
    const { manifest } = await runExport(app, app.fhir, `$export?_type=Observation,Patient&_typeFilter=${filter}`);
    const files = await download(app.fhir, manifest);
    t.same(ids(files.Observation), ['oa2'], 'filtered type');
    t.same(ids(files.Patient), ['a', 'b', 'c'], 'a type without filter is unfiltered');
    const two = `${encodeURIComponent('Observation?code=http://loinc.org|29463-7')},${encodeURIComponent('Observation?subject=Patient/c')}`;
    const ored = await download(app.fhir, (await runExport(app, app.fhir, `$export?_type=Observation&_typeFilter=${two}`)).manifest);
    t.same(ids(ored.Observation), ['oa2', 'oc1'], 'queries of one type are ORed');
  });

  t.test("Group export: exactly the active members' compartments", async (t) => {
    const { manifest } = await runExport(app, app.fhir, 'Group/g1/$export');
    const files = await download(app.fhir, manifest);
    t.same(ids(files.Patient), ['a', 'c']);
    t.same(ids(files.Observation), ['oa1', 'oa2', 'oc1']);
    t.notOk(files.Practitioner, 'not a compartment type');
    t.equal(manifest.request, 'http://haven.test/fhir/Group/g1/$export');
    const empty = await runExport(app, app.fhir, 'Group/empty/$export');
    t.same(empty.manifest.output, [], 'an empty Group exports nothing (never everyone)');
    t.equal((await app.fhir('GET', 'Group/nope/$export', undefined, KICKOFF_HEADERS)).status, 404);
  });

  t.test('Patient export: every patient', async (t) => {
    const files = await download(app.fhir, (await runExport(app, app.fhir, 'Patient/$export')).manifest);
    t.same(ids(files.Patient), ['a', 'b', 'c']);
    t.same(ids(files.Observation), ['oa1', 'oa2', 'ob1', 'oc1']);
    t.notOk(files.Practitioner);
    t.equal((await app.fhir('GET', 'Patient/$export?_type=Practitioner', undefined, KICKOFF_HEADERS)).status, 400, 'non-compartment type at Patient level');
  });

  t.test('access: only system/ tokens export, only what their scopes allow', async (t) => {
    const patient = app.as(await app.token('patient/*.read', { patient: 'a' }));
    for (const path of ['$export', 'Patient/$export', 'Group/g1/$export']) {
      const res = await patient('GET', path, undefined, KICKOFF_HEADERS);
      t.equal(res.status, 403, `patient/ token: ${path}`);
      t.notMatch(res.body, /Patient\/b|"ob1"/);
    }
    const user = app.as(await app.token('user/*.read', { fhirUser: 'Practitioner/pr1' }));
    t.equal((await user('GET', '$export', undefined, KICKOFF_HEADERS)).status, 403, 'user/ token');
    const mixed = app.as(await app.token('patient/*.read system/Observation.read', { patient: 'a', subject: 'mixed' }));
    const files = await download(mixed, (await runExport(app, mixed, '$export?_type=Observation')).manifest);
    t.same(ids(files.Observation), ['oa1', 'oa2', 'ob1', 'oc1'], 'only the system/ scopes count');
    t.equal((await mixed('GET', '$export?_type=Patient', undefined, KICKOFF_HEADERS)).status, 403, 'explicit _type outside the scopes');
    t.equal((await mixed('GET', 'Patient/$export', undefined, KICKOFF_HEADERS)).status, 403, 'Patient export needs Patient');

    const observations = app.as(await app.token('system/Observation.rs', { subject: 'obs-only' }));
    const { manifest } = await runExport(app, observations, '$export');
    t.same(
      manifest.output.map((o) => o.type),
      ['Observation'],
      'without _type, only covered types',
    );
    t.equal(manifest.error.length, 1, 'what was left out is reported');
    const outcome = (await observations('GET', manifest.error[0].url.replace('http://haven.test/fhir/', ''))).body;
    t.match(outcome, /Patient/);

    const restricted = app.as(await app.token('system/Observation.rs?code=http://loinc.org|8867-4', { subject: 'restricted' }));
    const narrowed = await download(restricted, (await runExport(app, restricted, '$export?_type=Observation')).manifest);
    t.same(ids(narrowed.Observation), ['oa1', 'ob1', 'oc1'], 'v2 query restrictions are ANDed in');

    const v1 = app.as(await app.token('system/*.read', { subject: 'inferno' }));
    t.equal((await v1('GET', '$export?_type=Patient', undefined, KICKOFF_HEADERS)).status, 202, 'v1 system/*.read');
    await app.worker().drain();
  });

  t.test('cancel', async (t) => {
    const kick = await app.fhir('GET', '$export', undefined, KICKOFF_HEADERS);
    const location = statusPath(kick.headers['content-location']);
    const cancel = await app.fhir('DELETE', location);
    t.equal(cancel.status, 202);
    t.equal(cancel.json.resourceType, 'OperationOutcome');
    const after = await app.fhir('GET', location, undefined, { accept: 'application/json' });
    t.equal(after.status, 404);
    t.equal(after.json.resourceType, 'OperationOutcome');
    t.equal(await app.worker().drain(), 0, 'the worker does not run a cancelled job');

    const { manifest, location: doneAt } = await runExport(app, app.fhir, '$export?_type=Patient');
    const file = manifest.output[0].url.replace('http://haven.test/fhir/', '');
    t.equal((await app.fhir('DELETE', doneAt)).status, 202, 'DELETE on a finished job');
    t.equal((await app.fhir('GET', doneAt)).status, 404);
    t.equal((await app.fhir('GET', file)).status, 404, 'its files are gone');
    t.equal((await app.fhir('DELETE', doneAt)).status, 404, 'and a second DELETE finds nothing');
  });

  t.test('kick-off errors', async (t) => {
    const bad = async (path: string, status: number, pattern: RegExp) => {
      const res = await app.fhir('GET', path, undefined, KICKOFF_HEADERS);
      t.equal(res.status, status, path);
      t.equal(res.json?.resourceType, 'OperationOutcome');
      t.match(res.headers['content-type'], /application\/fhir\+json/);
      t.match(res.body, pattern);
    };
    await bad('$export?_type=Nope', 400, /Nope/);
    await bad('$export?_outputFormat=text/csv', 400, /_outputFormat/);
    await bad('$export?_since=yesterday', 400, /_since/);
    await bad('$export?_elements=id', 400, /_elements/);
    await bad('$export?_typeFilter=Observation%3Fnope%3D1', 400, /_typeFilter/);
    await bad('$export?_typeFilter=Observation%3F_include%3DObservation:subject', 400, /_include/);
    await bad('$export?_type=Patient&_typeFilter=Observation%3Fstatus%3Dfinal', 400, /_typeFilter/);
    await bad('$export?foo=bar', 400, /foo/);
    t.equal((await app.as(undefined)('GET', '$export', undefined, KICKOFF_HEADERS)).status, 401, 'no token');
    t.equal((await app.fhir('POST', '$export', { resourceType: 'Parameters' })).status, 405, 'POST kick-off');
    t.equal((await app.fhir('GET', 'bulk/status/nope')).status, 404, 'unknown job');
    for (const format of ['application/fhir+ndjson', 'application/ndjson', 'ndjson']) {
      const res = await app.fhir('GET', `$export?_type=Patient&_outputFormat=${encodeURIComponent(format)}`, undefined, KICKOFF_HEADERS);
      t.equal(res.status, 202, format);
      t.equal((await app.fhir('DELETE', statusPath(res.headers['content-location']))).status, 202);
    }
    const noPrefer = await app.fhir('GET', '$export?_type=Patient', undefined, { accept: 'application/fhir+json' });
    t.equal(noPrefer.status, 202, 'a missing Prefer: respond-async is assumed');
    t.equal((await app.fhir('DELETE', statusPath(noPrefer.headers['content-location']))).status, 202);
  });

  t.test('at most two active exports per client', async (t) => {
    const client = app.as(await app.token('system/*.read', { subject: 'busy' }));
    const first = await client('GET', '$export', undefined, KICKOFF_HEADERS);
    const second = await client('GET', '$export', undefined, KICKOFF_HEADERS);
    t.equal(first.status, 202);
    t.equal(second.status, 202);
    const third = await client('GET', '$export', undefined, KICKOFF_HEADERS);
    t.equal(third.status, 429);
    t.match(String(third.headers['retry-after']), /^\d+$/);
    await app.worker().drain();
    t.equal((await client('GET', '$export', undefined, KICKOFF_HEADERS)).status, 202, 'free again once they finished');
    await app.worker().drain();
  });
});
