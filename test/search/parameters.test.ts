// Search parameter types, modifiers and prefixes as FHIR R4 search.html defines them, each checked
// against data that a wrong implementation would answer differently (see fixtures.ts).
import t, { type Test } from 'tap';
import { testApp, type TestApp } from '../helpers/app.js';
import { idsOf, loadFixtures } from './fixtures.js';

let app: TestApp;

t.before(async () => {
  app = await testApp(t);
  await loadFixtures(app);
});

async function ids(t: Test, query: string, expected: string[], message?: string) {
  const res = await app.fhir('GET', query);
  t.equal(res.status, 200, `${query}: ${res.status === 200 ? '' : res.body}`);
  t.same(idsOf(res.json), [...expected].sort(), message ?? query);
}

t.test('string: case- and accent-insensitive prefix on any name part; :exact; :contains', async (t) => {
  await ids(t, 'Patient?name=ana', ['p1', 'p2'], 'Ána and Anabel, not Anderson, not the old version of p4, not deleted p5');
  await ids(t, 'Patient?name=ANA', ['p1', 'p2']);
  await ids(t, 'Patient?family=munoz', ['p1'], 'accents removed from the stored value');
  await ids(t, 'Patient?family=muñoz', ['p1'], 'and from the searched value');
  await ids(t, 'Patient?name:exact=Ána', ['p1']);
  await ids(t, 'Patient?name:exact=ana', [], ':exact is case and accent sensitive');
  await ids(t, 'Patient?name:exact=Ána Muñoz', [], ':exact compares whole parts');
  await ids(t, 'Patient?name:contains=ders', ['p3']);
  await ids(t, 'Patient?name=zed', ['p4'], 'the current version is indexed');
  await ids(t, 'Patient?name=old', [], 'a value only in history does not match');
  await ids(t, 'Patient?name=gone', [], 'a deleted resource does not match');
  await ids(t, 'Patient?name=bob,smith', ['p2', 'p3'], 'a comma ORs values');
  await ids(t, 'Patient?name=ana&name=smith', ['p2'], 'repeating a parameter ANDs');
});

t.test('token: code, system|code, |code, system|, :not, :text, :of-type, escaping', async (t) => {
  await ids(t, 'Observation?code=8867-4', ['o1', 'o3', 'o4', 'o5'], 'any system');
  await ids(t, 'Observation?code=http://loinc.org|8867-4', ['o1', 'o4', 'o5'], 'the same code in another system does not match');
  await ids(t, 'Observation?code=urn:other-codes|', ['o3'], 'system| matches any code of the system');
  await ids(t, 'Patient?identifier=123', ['p1', 'p2', 'p3']);
  await ids(t, 'Patient?identifier=urn:sys-a|123', ['p1']);
  await ids(t, 'Patient?identifier=|123', ['p3'], '|code: only values without a system');
  await ids(t, 'Patient?identifier=a\\,b', ['p1'], 'an escaped comma is part of the value');
  await ids(t, 'Patient?gender:not=male', ['p1', 'p3', 'p4'], ':not includes resources without a value');
  await ids(t, 'Patient?gender=female', ['p1']);
  await ids(t, 'Observation?code:text=heart', ['o1'], ':text searches the display');
  await ids(t, 'Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|123', ['p2']);
  await ids(t, 'Patient?telecom=ana@example.org', ['p1']);
  await ids(t, 'Observation?status=preliminary', ['o4']);
  await ids(t, 'Patient?_id=p1,p3', ['p1', 'p3']);
  await ids(t, 'Patient?_id:not=p1', ['p2', 'p3', 'p4']);
});

t.test('date: the implied range of each precision, every prefix, Periods, and the end of a month', async (t) => {
  await ids(t, 'Patient?birthdate=1984-03-02', ['p1']);
  await ids(t, 'Patient?birthdate=1984-03', ['p1', 'p2'], 'a month covers its days');
  await ids(t, 'Patient?birthdate=1984', ['p1', 'p2']);
  await ids(t, 'Patient?birthdate=lt1984-03-03', ['p1']);
  await ids(t, 'Patient?birthdate=le1984-03-03', ['p1', 'p2']);
  await ids(t, 'Patient?birthdate=gt1984-03-02', ['p2', 'p3']);
  await ids(t, 'Patient?birthdate=ge1984-03-03', ['p2', 'p3']);
  await ids(t, 'Patient?birthdate=ne1984-03-02', ['p2', 'p3']);
  await ids(t, 'Patient?birthdate=sa1984-03-02', ['p2', 'p3']);
  await ids(t, 'Patient?birthdate=eb1984-03-03', ['p1']);
  await ids(t, 'Patient?birthdate=1990-06-01', [], 'a year-precision birthDate is not within one day');
  await ids(t, 'Patient?birthdate=ap1990-06-01', ['p3'], 'ap: approximately');
  await ids(t, 'Observation?date=2026-03', ['o1', 'o3', 'o4'], '23:30Z on the 31st is in March, midnight of April 1st is not');
  await ids(t, 'Observation?date=2026-04', ['o2']);
  await ids(t, 'Observation?date=2026-03-05', [], 'neither a Period nor a month lies within one day');
  await ids(t, 'Observation?date=gt2026-03-05', ['o1', 'o2', 'o3', 'o4'], 'gt: ranges reaching past the day');
  await ids(t, 'Observation?date=lt2026-03-01', ['o5'], 'lt: only what starts before March');
  await ids(t, 'Observation?date=ge2026-03-31', ['o1', 'o2']);
  await ids(t, 'Observation?date=gt2026-03-31', ['o2'], 'a time on the 31st does not reach past the 31st');
  await ids(t, 'Observation?date=2026-03-31T23:30:00Z', ['o1'], 'an instant at second precision');
  await ids(t, 'Observation?date=2025-12-24T07:00:00Z', ['o5'], 'a stored zone offset is honoured');
  await ids(t, 'Observation?date=ge2026-03-31T23:00%2B00:00', ['o1', 'o2', 'o4'], 'an encoded + in the zone; March reaches past 23:00');
  await ids(t, 'Observation?date=ge2026-03-31T23:00 00:00', ['o1', 'o2', 'o4'], 'a + decoded to a space');
  await ids(t, 'Observation?date=eq2026-03-31T23:30Z', ['o1'], 'minute precision contains the instant');
  await ids(t, 'Patient?_lastUpdated=gt2020-01-01', ['p1', 'p2', 'p3', 'p4']);
  await ids(t, 'Patient?_lastUpdated=lt2020-01-01', []);
});

t.test('number: significant figures set the implied range; prefixes compare exactly', async (t) => {
  await ids(t, 'RiskAssessment?probability=0.5', ['r1', 'r2'], '0.5 means [0.45, 0.55)');
  await ids(t, 'RiskAssessment?probability=0.50', ['r1'], '0.50 means [0.495, 0.505)');
  await ids(t, 'RiskAssessment?probability=gt0.5', ['r2', 'r3']);
  await ids(t, 'RiskAssessment?probability=ge0.54', ['r2', 'r3']);
  await ids(t, 'RiskAssessment?probability=lt0.54', ['r1']);
  await ids(t, 'RiskAssessment?probability=ne0.5', ['r3']);
  await ids(t, 'RiskAssessment?probability=5e-1', ['r1', 'r2'], '5e-1 has one significant figure: [0.45, 0.55)');
  await ids(t, 'RiskAssessment?probability=7e-1', ['r3']);
  await ids(t, 'RiskAssessment?probability=ap0.52', ['r1', 'r2'], 'ap: within 10%');
});

t.test('quantity: value with prefixes, system|code, ||unit, and bare numbers across units', async (t) => {
  await ids(t, 'Observation?value-quantity=72', ['o1']);
  await ids(t, 'Observation?value-quantity=100', ['o3'], '100 means [99.5, 100.5): 100.5 is outside');
  await ids(t, 'Observation?value-quantity=100.5', ['o4']);
  await ids(t, 'Observation?value-quantity=gt99', ['o3', 'o4']);
  await ids(t, 'Observation?value-quantity=gt99|http://unitsofmeasure.org|/min', ['o4'], 'the unit must match');
  await ids(t, 'Observation?value-quantity=100||beats/min', ['o3'], '||unit matches the display unit');
  await ids(t, 'Observation?value-quantity=le72', ['o1']);
});

t.test('reference: Type/id, id alone, a type modifier, absolute URLs of this server, :identifier, :missing', async (t) => {
  await ids(t, 'Observation?subject=Patient/p1', ['o1', 'o2'], 'an absolute reference to this server is stored relative');
  await ids(t, 'Observation?subject=p1', ['o1', 'o2']);
  await ids(t, 'Observation?subject:Patient=p1', ['o1', 'o2']);
  await ids(t, 'Observation?patient=p2', ['o3', 'o4']);
  await ids(t, 'Observation?patient=p2&code=http://loinc.org|8867-4', ['o4'], 'patient-scoped token search (search_token_pat)');
  await ids(t, 'Observation?subject=Patient/p1&code=http://loinc.org|8867-4', ['o1']);
  await ids(t, 'Patient/p2/Observation?code=urn:other-codes|8867-4', ['o3']);
  await ids(t, 'Observation?subject=http://haven.test/fhir/Patient/p2', ['o3', 'o4']);
  await ids(t, 'Observation?subject:identifier=urn:mrn|M1', ['o5']);
  await ids(t, 'Observation?subject:missing=true', ['o5']);
  await ids(t, 'Patient?gender:missing=true', ['p3']);
  await ids(t, 'Patient?birthdate:missing=false', ['p1', 'p2', 'p3']);
  await ids(t, 'Patient?organization=Organization/org1', ['p1']);
});

t.test('uri: exact, :below, :above', async (t) => {
  await ids(t, 'Questionnaire?url=http://haven.example/fhir/Questionnaire/phq-9', ['q1']);
  await ids(t, 'Questionnaire?url:below=http://haven.example/fhir/', ['q1', 'q2']);
  await ids(t, 'Questionnaire?url:above=http://haven.example/fhir/Questionnaire/phq-9/v2/draft', ['q1', 'q2']);
});

t.test('composite: code and quantity, in the resource and in its components', async (t) => {
  await ids(t, 'Observation?component-code-value-quantity=http://loinc.org|8480-6$gt130', ['o2']);
  await ids(t, 'Observation?component-code-value-quantity=http://loinc.org|8480-6$lt130', [], 'the 90 belongs to another component');
  await ids(t, 'Observation?component-code-value-quantity=http://loinc.org|8462-4$90', ['o2']);
  await ids(t, 'Observation?code-value-quantity=http://loinc.org|8867-4$72', ['o1']);
  await ids(t, 'Observation?code-value-quantity=8867-4$ge100', ['o3', 'o4']);
  await ids(t, 'Observation?combo-code-value-quantity=8480-6$140', ['o2']);
  await ids(t, 'Observation?combo-code-value-quantity=8867-4$72', ['o1']);
});

t.test('chaining, several levels, and reverse chaining with _has', async (t) => {
  await ids(t, 'Observation?subject:Patient.name=muñoz', ['o1', 'o2']);
  await ids(t, 'Observation?subject.gender=male', ['o3', 'o4']);
  await ids(t, 'Observation?subject:Patient.organization.name=heart', ['o1', 'o2']);
  await ids(t, 'Patient?_has:Observation:subject:component-code=8480-6', ['p1']);
  await ids(t, 'Patient?_has:Observation:patient:value-quantity=gt99', ['p2']);
  await ids(t, 'Organization?_has:Patient:organization:_has:Observation:subject:code=8867-4', ['org1'], 'nested _has');
});

t.test('_include, _revinclude, :iterate and the * wildcard', async (t) => {
  let res = await app.fhir('GET', 'Observation?_id=o1&_include=Observation:subject');
  t.same(idsOf(res.json), ['o1']);
  t.same(idsOf(res.json, 'include'), ['p1'], 'included with search.mode include');
  res = await app.fhir('GET', 'Observation?_id=o1&_include=Observation:subject:Group');
  t.same(idsOf(res.json, 'include'), [], 'a target type narrows the include');
  res = await app.fhir('GET', 'Observation?_id=o1,o3&_include=Observation:*');
  t.same(idsOf(res.json, 'include'), ['p1', 'p2']);
  res = await app.fhir('GET', 'Patient?_id=p1&_revinclude=Observation:subject');
  t.same(idsOf(res.json, 'include'), ['o1', 'o2']);
  res = await app.fhir('GET', 'Observation?_id=o1&_include=Observation:subject&_include:iterate=Patient:organization');
  t.same(idsOf(res.json, 'include'), ['org1', 'p1'], ':iterate follows references of included resources');
  res = await app.fhir('GET', 'Observation?_id=o1&_include=Observation:subject&_include=Patient:organization');
  t.same(idsOf(res.json, 'include'), ['p1'], 'without :iterate only the matches are followed');
  t.equal(res.json.total, 1, 'included resources do not count in total');
});

t.test('_sort on several keys, ascending and descending, and on _lastUpdated', async (t) => {
  let res = await app.fhir('GET', 'Patient?_sort=birthdate');
  t.same(idsOf(res.json, 'match', false), ['p1', 'p2', 'p3', 'p4'], 'resources without a value sort last');
  res = await app.fhir('GET', 'Patient?_sort=-birthdate');
  t.same(idsOf(res.json, 'match', false), ['p3', 'p2', 'p1', 'p4']);
  res = await app.fhir('GET', 'Observation?_sort=-date&code=http://loinc.org|8867-4');
  t.same(idsOf(res.json, 'match', false), ['o1', 'o4', 'o5']);
  res = await app.fhir('GET', 'Patient?_sort=gender,-family');
  t.same(idsOf(res.json, 'match', false), ['p1', 'p2', 'p4', 'p3'], 'female, male, other, then none');
  res = await app.fhir('GET', 'Observation?subject=Patient/p1&_tag=urn:haven:record-kind|vitals&date=ge2026-03-01&_sort=-date');
  t.same(idsOf(res.json, 'match', false), ['o2', 'o1'], "a patient's records by tag and date, newest first (the app records API)");
  res = await app.fhir('GET', 'Patient?_sort=-_lastUpdated&_count=1');
  t.same(idsOf(res.json), ['p4'], 'p4 was written last');
  t.equal((await app.fhir('GET', 'Patient?_sort=nonsense')).status, 400);
});

t.test('_total, _summary=count and _count', async (t) => {
  let res = await app.fhir('GET', 'Patient?_count=1&_total=accurate');
  t.equal(res.json.total, 4);
  t.equal(res.json.entry.length, 1);
  res = await app.fhir('GET', 'Patient?_count=1');
  t.equal(res.json.total, undefined, 'no total unless asked when more pages follow');
  res = await app.fhir('GET', 'Patient?_count=1&_total=estimate');
  t.type(res.json.total, 'number', 'an estimate from planner statistics');
  res = await app.fhir('GET', 'Patient?gender=female&_summary=count');
  t.equal(res.json.total, 1);
  t.equal(res.json.entry, undefined);
  res = await app.fhir('GET', 'Patient?_count=0');
  t.equal(res.json.total, undefined, '_count=0 without _total: no entries and no made-up total');
  res = await app.fhir('GET', 'Patient?gender=female');
  t.equal(res.json.total, 1, 'a single complete page reports its total for free');
  res = await app.fhir('GET', 'Patient?_count=0&_total=accurate');
  t.equal(res.json.total, 4);
  t.equal(res.json.entry, undefined);
});

t.test('_summary and _elements return SUBSETTED resources with the mandatory elements', async (t) => {
  let res = await app.fhir('GET', 'Patient?_id=p1&_elements=gender');
  const p = res.json.entry[0].resource;
  t.same(Object.keys(p).sort(), ['gender', 'id', 'meta', 'resourceType']);
  t.ok(p.meta.tag.some((tag: { code: string }) => tag.code === 'SUBSETTED'));
  res = await app.fhir('GET', 'Observation?_id=o1&_elements=value');
  t.ok(res.json.entry[0].resource.valueQuantity, 'a choice element by its base name');
  t.ok(res.json.entry[0].resource.status && res.json.entry[0].resource.code, 'mandatory elements stay');
  t.notOk(res.json.entry[0].resource.subject);
  res = await app.fhir('GET', 'Patient?_id=p1&_summary=true');
  t.notOk(res.json.entry[0].resource.managingOrganization === undefined, 'managingOrganization is a summary element');
  t.ok(res.json.entry[0].resource.name);
  res = await app.fhir('GET', 'Patient/p1?_elements=gender');
  t.equal(res.status, 200);
  t.same(Object.keys(res.json).sort(), ['gender', 'id', 'meta', 'resourceType'], '_elements on read');
  t.ok(res.json.meta.tag.some((tag: { code: string }) => tag.code === 'SUBSETTED'));
});

t.test('unknown parameters: ignored and reported by default, 400 with handling=strict; malformed values: always 400', async (t) => {
  let res = await app.fhir('GET', 'Patient?nonsense=1&gender=female');
  t.equal(res.status, 200);
  t.same(idsOf(res.json), ['p1']);
  const outcome = res.json.entry.find((e: { search: { mode: string } }) => e.search.mode === 'outcome');
  t.match(outcome.resource.issue[0], { severity: 'warning', code: 'not-supported', expression: ['nonsense'] });
  t.notMatch(res.json.link[0].url, /nonsense/, 'the self link shows only the parameters applied');
  res = await app.fhir('GET', 'Patient?nonsense=1', undefined, { prefer: 'handling=strict' });
  t.equal(res.status, 400);
  t.equal(res.json.resourceType, 'OperationOutcome');
  t.equal(
    (await app.fhir('GET', 'Patient?gender:in=http://x')).json.entry?.some((e: { search: { mode: string } }) => e.search.mode === 'outcome'),
    true,
    'an unsupported modifier is reported',
  );
  for (const bad of [
    'Patient?birthdate=03/02/1984',
    'Patient?birthdate=xx1984',
    'Patient?birthdate=1984-02-30',
    'Observation?value-quantity=gtx',
    'Patient?_count=ten',
    'Patient?gender:missing=maybe',
    'Observation?component-code-value-quantity=8480-6',
    'Patient?_total=all',
    'Patient?_cursor=garbage',
  ]) {
    const r = await app.fhir('GET', bad);
    t.equal(r.status, 400, bad);
    t.equal(r.json.resourceType, 'OperationOutcome');
  }
});

t.test('POST _search with a form body, combined with the URL parameters', async (t) => {
  const res = await app.app.inject({
    method: 'POST',
    url: '/fhir/Patient/_search?gender=male,female',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: app.authorization },
    payload: 'name=ana',
  });
  t.equal(res.statusCode, 200);
  t.same(idsOf(JSON.parse(res.body)), ['p1', 'p2']);
});

t.test('system search with _type, and compartment search', async (t) => {
  await ids(t, '?_type=Patient,Observation&_id=p1,o1,q1', ['o1', 'p1']);
  await ids(t, '?_type=Patient,Observation&_lastUpdated=lt2000', []);
  await ids(t, '?_id=q1,org1', ['org1', 'q1'], 'without _type: all types, common parameters');
  await ids(t, '?_type=Patient,Organization&name=heart', ['org1'], 'a parameter every listed type has');
  t.equal((await app.fhir('GET', '?_type=Patient,Observation&name=ana')).status, 400, 'Observation has no name parameter');
  t.equal((await app.fhir('GET', '?_type=Nonsense')).status, 400);
  await ids(t, 'Patient/p1/Observation', ['o1', 'o2']);
  await ids(t, 'Patient/p1/Observation?code=8867-4', ['o1']);
  await ids(t, 'Patient/p1/*', ['o1', 'o2', 'p1', 'r1', 'r2']);
  t.equal((await app.fhir('GET', 'Patient/p1/Organization')).status, 400, 'Organization is not in the Patient compartment');
  t.equal((await app.fhir('GET', 'Observation/o1/Patient')).status, 404);
});
