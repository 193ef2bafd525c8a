// Loading conformance/ at start: each artefact under its fixed id, readable through the FHIR API,
// written only when missing or changed (so starting twice adds no version), and wired into
// openServices.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { loadConformance, readConformance } from '../../src/conformance/load.js';
import { conformanceDir } from '../../src/paths.js';
import { openServices } from '../../src/runtime.js';
import { ALL_ACCESS } from '../../src/store/context.js';
import { testApp } from '../helpers/app.js';
import { testDatabase } from '../helpers/database.js';

const phq9 = JSON.parse(readFileSync(path.join(conformanceDir, 'Questionnaire-phq-9.json'), 'utf8'));
const artefactCount = readConformance().length;

t.test('artefacts load under their ids, once, and are put back when changed or deleted', async (t) => {
  const { fhir, services } = await testApp(t);
  const first = await loadConformance(services.store, services.validator);
  t.equal(first.written.length, artefactCount, 'every artefact written on an empty database');
  t.ok(first.written.includes('Questionnaire/phq-9'));
  t.ok(first.written.includes('CodeSystem/record-kind'));

  const read = await fhir('GET', 'Questionnaire/phq-9');
  t.equal(read.status, 200, 'readable through the FHIR API');
  const { meta, ...content } = read.json;
  t.strictSame(content, phq9, 'exactly the file');
  t.equal(meta.versionId, '1');
  t.equal((await fhir('GET', 'CodeSystem/phq-9-severity')).json.url, 'https://haven-fhir.org/fhir/CodeSystem/phq-9-severity');

  const again = await loadConformance(services.store, services.validator);
  t.strictSame(again, { written: [], unchanged: artefactCount }, 'a second start writes nothing');
  t.equal((await fhir('GET', 'Questionnaire/phq-9')).json.meta.versionId, '1', 'no new version');
  t.equal((await fhir('GET', 'Questionnaire/phq-9/_history')).json.entry.length, 1, 'one version in history');

  t.equal((await fhir('PUT', 'Questionnaire/phq-9', { ...phq9, title: 'edited' })).status, 200);
  t.equal((await fhir('DELETE', 'CodeSystem/haven-feelings')).status, 204);
  const repaired = await loadConformance(services.store, services.validator);
  t.strictSame(repaired.written.sort(), ['CodeSystem/haven-feelings', 'Questionnaire/phq-9']);
  const restored = await fhir('GET', 'Questionnaire/phq-9');
  t.equal(restored.json.title, phq9.title, 'an edited artefact is put back');
  t.equal(restored.json.meta.versionId, '3', 'as a new version, with history');
  t.equal((await fhir('GET', 'CodeSystem/haven-feelings')).status, 200, 'a deleted artefact comes back');
});

t.test('openServices loads the artefacts at start', async (t) => {
  const { db } = await testDatabase(t);
  const config = loadConfig({ BASE_URL: 'http://haven.test', DATA_DIR: '/nonexistent' });
  const services = await openServices(config, undefined, db);
  const stored = await services.store.reader({ actor: { requestId: 'test' }, access: ALL_ACCESS }).read('Questionnaire', 'gad-7');
  t.equal(stored?.versionId, 1);
  t.match(stored?.json, /"url":"https:\/\/haven-fhir.org\/fhir\/Questionnaire\/gad-7"/);
});
