// Malformed or odd search input is a 4xx (or an ignored parameter), never a 500.
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { loadFixtures } from './fixtures.js';

const QUERIES = [
  'Observation?subject:Patient.name:exact=Ána',
  'Observation?subject.name:missing=true',
  'Patient?_has:Observation',
  'Patient?_has:Observation:subject',
  'Patient?_has:Nope:subject:code=1',
  'Patient?_has:Observation:nope:code=1',
  'Patient?_sort=-',
  'Patient?_sort=',
  'Patient?name:missing',
  'Patient?name=',
  'Observation?component-code-value-quantity=$',
  'Observation?component-code-value-quantity=a$b$c',
  'Patient?_include=Patient:*:Nope',
  'Patient?_include=Patient',
  'Patient?_include=*',
  'Patient?_revinclude=Observation:code',
  'Patient?_elements=',
  'Observation?code=|',
  'Observation?code=a|b|c',
  'Observation?date=ge',
  'Observation?date=2026-03-31T25:00Z',
  'Observation?date=2026-03-31T10',
  'Patient?_count=-1',
  'Observation?value-quantity=5|||',
  'Observation?value-quantity=1e999',
  'Patient?identifier:of-type=a|b',
  'Observation?subject.organization.partof.name.x=1',
  'Observation?subject:Nope.name=1',
  'Observation?subject:Organization=1',
  'Observation?subject=Patient/../../x',
  'Observation?subject=http://elsewhere.example/fhir/Patient/1',
  'Patient?name:exact=%00',
  "Patient?name=' OR 1=1 --",
  'Patient?name=%25',
  'Patient?name=_',
  'Patient?_id=',
  'Patient?_lastUpdated=gt',
  'Patient?_summary=maybe',
  'Patient?_total=estimate&_summary=count',
  'Patient?gender:not=male,female',
  'Questionnaire?url:below=',
  'Observation?_type=Patient',
  '?_type=',
  '?name=x',
  'Patient?_cursor=eyJkIjoiYSIsImsiOlsxXSwiciI6MX0',
  'Patient?_sort=birthdate&_cursor=eyJkIjoiYSIsImsiOlsibm90IGEgZGF0ZSJdLCJyIjoxfQ',
];

t.test('no 500 for odd input', async (t) => {
  const app = await testApp(t);
  await loadFixtures(app);
  for (const q of QUERIES) {
    const res = await app.fhir('GET', q);
    t.ok(res.status < 500, `${q} -> ${res.status}`);
    t.ok(res.json?.resourceType === 'Bundle' || res.json?.resourceType === 'OperationOutcome', `${q}: a Bundle or an OperationOutcome`);
  }
});
