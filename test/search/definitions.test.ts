// Where search parameters come from: the R4 definitions (listed in the CapabilityStatement exactly
// as they work), Haven's own in conformance/, and SearchParameter resources that clients store,
// active once a reindex has indexed them.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { createServices, Runtime } from '../../src/runtime.js';
import { createSearchEngine } from '../../src/store/search/engine.js';
import { conformanceDefinitions } from '../../src/store/search/registry.js';
import { activeSearchParameters, reindex, storedSearchParameters } from '../../src/store/search/reindex.js';
import { sharedValidator, testApp } from '../helpers/app.js';
import { idsOf } from './fixtures.js';

const PREFERRED_APP = 'http://haven.example/fhir/StructureDefinition/preferred-app';

t.test('the CapabilityStatement lists the parameters that work, per type, and search-system', async (t) => {
  const { fhir } = await testApp(t);
  const cs = (await fhir('GET', 'metadata')).json;
  const byType = (type: string) => cs.rest[0].resource.find((r: { type: string }) => r.type === type);
  const names = (type: string) => byType(type).searchParam.map((p: { name: string }) => p.name);
  const observation = names('Observation');
  for (const name of [
    '_id',
    '_lastUpdated',
    '_tag',
    '_profile',
    'code',
    'date',
    'subject',
    'patient',
    'value-quantity',
    'component-code-value-quantity',
    'combo-code-value-quantity',
    'code-value-quantity',
  ]) {
    t.ok(observation.includes(name), `Observation ${name}`);
  }
  t.notOk(names('Location').includes('near'), 'special parameters are not supported and not listed');
  t.notOk(observation.includes('_text') || observation.includes('_content'), 'nor full-text ones');
  t.match(
    byType('Observation').searchParam.find((p: { name: string }) => p.name === 'code'),
    { type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/clinical-code' },
  );
  t.ok(byType('Patient').interaction.some((i: { code: string }) => i.code === 'search-type'));
  t.ok(cs.rest[0].interaction.some((i: { code: string }) => i.code === 'search-system'));
});

t.test('SearchParameters in conformance/ are loaded (resources and Bundles, in subfolders)', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'haven-conformance-'));
  mkdirSync(path.join(dir, 'search'));
  writeFileSync(
    path.join(dir, 'search', 'SearchParameter-mood.json'),
    JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          resource: {
            resourceType: 'SearchParameter',
            url: 'http://haven.example/fhir/SearchParameter/obs-note',
            code: 'note',
            base: ['Observation'],
            type: 'string',
            status: 'active',
            expression: 'Observation.note.text',
          },
        },
      ],
    }),
  );
  writeFileSync(path.join(dir, 'Questionnaire-phq9.json'), JSON.stringify({ resourceType: 'Questionnaire' }));
  const defs = conformanceDefinitions(dir);
  t.same(
    defs.map((d) => d.code),
    ['note'],
  );
  const engine = createSearchEngine({ baseUrl: 'http://haven.test/fhir', zone: 'UTC', defaultCount: 20, maxCount: 100, conformanceDir: dir });
  t.equal(engine.registry.get('Observation', 'note')?.type, 'string');
  const entry = engine.indexer.extract({ resourceType: 'Observation', id: 'x', status: 'final', code: { text: 'mood' }, note: [{ text: 'Felt Calm' }] });
  t.ok(entry.rows.string.some((r) => r.norm === 'felt calm' && r.param === engine.registry.get('Observation', 'note')?.key));
});

t.test('a SearchParameter stored through the API searches an extension after reindex', async (t) => {
  const app = await testApp(t);
  const patient = (id: string, app_: string) =>
    app.fhir('PUT', `Patient/${id}`, { resourceType: 'Patient', id, extension: [{ url: PREFERRED_APP, valueString: app_ }] });
  await patient('a', 'Mindful Moments');
  await patient('b', 'HeartWise');
  const sp = await app.fhir('POST', 'SearchParameter', {
    resourceType: 'SearchParameter',
    url: 'http://haven.example/fhir/SearchParameter/patient-preferred-app',
    name: 'preferred-app',
    status: 'active',
    description: 'The app a patient prefers',
    code: 'preferred-app',
    base: ['Patient'],
    type: 'string',
    expression: `Patient.extension('${PREFERRED_APP}').value`,
  });
  t.equal(sp.status, 201);

  const before = await app.fhir('GET', 'Patient?preferred-app=mindful');
  t.ok(
    before.json.entry.some((e: { search: { mode: string } }) => e.search.mode === 'outcome'),
    'not active before reindex: reported',
  );
  t.same(idsOf(before.json), ['a', 'b'], 'and ignored');

  const custom = await storedSearchParameters(app.db);
  const engine = createSearchEngine({ baseUrl: app.config.fhirBaseUrl, zone: 'UTC', defaultCount: 20, maxCount: 100, custom });
  const report = await reindex(app.db, engine, { types: ['Patient'], custom });
  t.equal(report.resources, 2);

  // A server starting now loads the activated parameter.
  const active = await activeSearchParameters(app.db);
  t.same(
    active.map((p) => p.code),
    ['preferred-app'],
  );
  const services = createServices(app.config, app.db, { validator: sharedValidator(), customSearchParameters: active });
  const runtime = new Runtime();
  runtime.set(services);
  const restarted = buildApp({ config: app.config, runtime, logger: false });
  t.teardown(() => restarted.close());
  const res = await restarted.inject({ method: 'GET', url: '/fhir/Patient?preferred-app=mindful', headers: { authorization: app.authorization } });
  t.same(idsOf(JSON.parse(res.body)), ['a']);
  const cs = JSON.parse((await restarted.inject({ method: 'GET', url: '/fhir/metadata' })).body);
  t.ok(
    cs.rest[0].resource.find((r: { type: string }) => r.type === 'Patient').searchParam.some((p: { name: string }) => p.name === 'preferred-app'),
    'listed once active',
  );

  // New writes are indexed with it too.
  await restarted.inject({
    method: 'PUT',
    url: '/fhir/Patient/c',
    headers: { 'content-type': 'application/fhir+json', authorization: app.authorization },
    payload: JSON.stringify({ resourceType: 'Patient', id: 'c', extension: [{ url: PREFERRED_APP, valueString: 'Mindfulness Coach' }] }),
  });
  const again = await restarted.inject({ method: 'GET', url: '/fhir/Patient?preferred-app=mindful', headers: { authorization: app.authorization } });
  t.same(idsOf(JSON.parse(again.body)), ['a', 'c']);
});

t.test('haven reindex refuses unknown types before touching a database', async (t) => {
  const { reindexCommand } = await import('../../src/commands/reindex.js');
  const errors: string[] = [];
  const original = console.error;
  console.error = (message: string) => errors.push(message);
  try {
    t.equal(await reindexCommand.run(['Nonsense']), 2);
  } finally {
    console.error = original;
  }
  t.match(errors[0], /Nonsense/);
});

t.test('a SearchParameter whose expression does not fit is skipped with the reason, never half-active', async (t) => {
  const custom = [
    {
      resourceType: 'SearchParameter',
      url: 'urn:test:wrong-base',
      code: 'x',
      base: ['Patient'],
      type: 'string',
      status: 'active',
      expression: 'Observation.code.text',
    },
    {
      resourceType: 'SearchParameter',
      url: 'urn:test:bad-syntax',
      code: 'y',
      base: ['Patient'],
      type: 'string',
      status: 'active',
      expression: 'Patient.name.(((',
    },
    { resourceType: 'SearchParameter', url: 'urn:test:special', code: 'z', base: ['Patient'], type: 'special', status: 'active', expression: 'Patient.name' },
  ] as never[];
  const engine = createSearchEngine({ baseUrl: 'http://haven.test/fhir', zone: 'UTC', defaultCount: 20, maxCount: 100, custom });
  const skipped = Object.fromEntries(engine.registry.skipped.filter((s) => s.url.startsWith('urn:test:')).map((s) => [s.url, s.reason]));
  t.match(skipped, { 'urn:test:wrong-base': /none of its base types/, 'urn:test:bad-syntax': /./, 'urn:test:special': /not supported/ });
  t.notOk(engine.registry.get('Patient', 'x'));
  t.notOk(engine.registry.get('Patient', 'y'));
});
