// Conditional create (If-None-Exist), conditional update, patch and delete, by _id and identifier.
import t from 'tap';
import { testApp } from '../helpers/app.js';

const SYSTEM = 'urn:oid:2.16.840.1.113883.19.5';
const withIdentifier = (value: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  identifier: [{ system: SYSTEM, value }],
  ...extra,
});

t.test('If-None-Exist: no match creates (201), one match answers 200 with it, several answer 412', async (t) => {
  const { fhir } = await testApp(t);
  const header = { 'if-none-exist': `identifier=${SYSTEM}|mrn-1` };
  const first = await fhir('POST', 'Patient', withIdentifier('mrn-1'), header);
  t.equal(first.status, 201);
  const again = await fhir('POST', 'Patient', withIdentifier('mrn-1', { gender: 'male' }), header);
  t.equal(again.status, 200);
  t.equal(again.json.id, first.json.id, 'the existing resource is returned');
  t.equal(again.json.gender, undefined, 'and not changed');
  t.equal(again.json.meta.versionId, '1');
  // A different system with the same value is a different identifier.
  const other = await fhir('POST', 'Patient', withIdentifier('x'), { 'if-none-exist': 'identifier=urn:other|mrn-1' });
  t.equal(other.status, 201);
  await fhir('POST', 'Patient', withIdentifier('dup'));
  await fhir('POST', 'Patient', withIdentifier('dup'));
  const many = await fhir('POST', 'Patient', withIdentifier('dup'), { 'if-none-exist': `identifier=${SYSTEM}|dup` });
  t.equal(many.status, 412);
  t.equal(many.json.issue[0].code, 'multiple-matches');
  t.equal((await fhir('POST', 'Patient', withIdentifier('z'), { 'if-none-exist': '' })).status, 400, 'empty criteria are 400');
});

t.test('If-None-Exist ignores deleted resources', async (t) => {
  const { fhir } = await testApp(t);
  const header = { 'if-none-exist': `identifier=${SYSTEM}|gone` };
  const first = await fhir('POST', 'Patient', withIdentifier('gone'), header);
  await fhir('DELETE', `Patient/${first.json.id}`);
  const second = await fhir('POST', 'Patient', withIdentifier('gone'), header);
  t.equal(second.status, 201);
  t.not(second.json.id, first.json.id);
});

t.test('concurrent conditional creates of the same identifier store exactly one resource', async (t) => {
  const { fhir } = await testApp(t);
  const header = { 'if-none-exist': `identifier=${SYSTEM}|race` };
  const answers = await Promise.all(Array.from({ length: 8 }, () => fhir('POST', 'Patient', withIdentifier('race'), header)));
  t.equal(answers.filter((a) => a.status === 201).length, 1, 'one create');
  t.equal(answers.filter((a) => a.status === 200).length, 7, 'the rest find it');
  t.equal(new Set(answers.map((a) => a.json.id)).size, 1, 'all answers name the same resource');
});

t.test('conditional update: creates without a match, updates the one match, 412 on several, 400 on an id clash', async (t) => {
  const { fhir } = await testApp(t);
  const url = `Patient?identifier=${encodeURIComponent(`${SYSTEM}|cu`)}`;
  const created = await fhir('PUT', url, withIdentifier('cu', { gender: 'female' }));
  t.equal(created.status, 201);
  const updated = await fhir('PUT', url, withIdentifier('cu', { gender: 'male' }));
  t.equal(updated.status, 200);
  t.equal(updated.json.id, created.json.id);
  t.equal(updated.json.meta.versionId, '2');
  const clash = await fhir('PUT', url, withIdentifier('cu', { id: 'someone-else' }));
  t.equal(clash.status, 400);
  const withClientId = await fhir('PUT', `Patient?identifier=${encodeURIComponent(`${SYSTEM}|new`)}`, withIdentifier('new', { id: 'chosen-id' }));
  t.equal(withClientId.status, 201);
  t.equal(withClientId.json.id, 'chosen-id', 'no match and an id in the body: update-as-create');
  await fhir('POST', 'Patient', withIdentifier('two'));
  await fhir('POST', 'Patient', withIdentifier('two'));
  t.equal((await fhir('PUT', `Patient?identifier=${encodeURIComponent(`${SYSTEM}|two`)}`, withIdentifier('two'))).status, 412);
  t.equal((await fhir('PUT', 'Patient', withIdentifier('no-criteria'))).status, 400, 'no criteria is 400');
});

t.test('conditional update by _id', async (t) => {
  const { fhir } = await testApp(t);
  const { json } = await fhir('POST', 'Patient', withIdentifier('by-id'));
  const res = await fhir('PUT', `Patient?_id=${json.id}`, withIdentifier('by-id', { gender: 'other' }));
  t.equal(res.status, 200);
  t.equal(res.json.id, json.id);
  t.equal(res.json.gender, 'other');
});

t.test('conditional patch: 404 without a match, patches one match, 412 on several', async (t) => {
  const { fhir } = await testApp(t);
  const op = [{ op: 'add', path: '/gender', value: 'female' }];
  t.equal((await fhir('PATCH', `Patient?identifier=${SYSTEM}|none`, op)).status, 404);
  const { json } = await fhir('POST', 'Patient', withIdentifier('cp'));
  const res = await fhir('PATCH', `Patient?identifier=${SYSTEM}|cp`, op);
  t.equal(res.status, 200);
  t.equal(res.json.id, json.id);
  t.equal(res.json.gender, 'female');
  await fhir('POST', 'Patient', withIdentifier('cp'));
  t.equal((await fhir('PATCH', `Patient?identifier=${SYSTEM}|cp`, op)).status, 412);
});

t.test('conditional delete: nothing to delete is fine, one match is deleted, several answer 412', async (t) => {
  const { fhir } = await testApp(t);
  t.equal((await fhir('DELETE', `Patient?identifier=${SYSTEM}|none`)).status, 204);
  const { json } = await fhir('POST', 'Patient', withIdentifier('cd'));
  t.equal((await fhir('DELETE', `Patient?identifier=${SYSTEM}|cd`)).status, 204);
  t.equal((await fhir('GET', `Patient/${json.id}`)).status, 410);
  await fhir('POST', 'Patient', withIdentifier('cd2'));
  const second = await fhir('POST', 'Patient', withIdentifier('cd2'));
  t.equal((await fhir('DELETE', `Patient?identifier=${SYSTEM}|cd2`)).status, 412);
  t.equal((await fhir('GET', `Patient/${second.json.id}`)).status, 200, 'nothing deleted on 412');
});

t.test('result parameters are not criteria: _type, _cursor and _count are left out of a condition like _sort', async (t) => {
  const { fhir } = await testApp(t);
  const { json } = await fhir('POST', 'Patient', withIdentifier('only'));
  // With only a result parameter there is no condition: a 400, never "the one Patient there is".
  for (const query of ['_type=Patient', '_cursor=x', '_count=1', '_sort=_id', '_include:iterate=Patient:link']) {
    t.equal((await fhir('DELETE', `Patient?${query}`)).status, 400, query);
  }
  t.equal((await fhir('GET', `Patient/${json.id}`)).status, 200, 'nothing deleted');
  // Beside real criteria they are ignored (an unreadable cursor too: a condition has no pages).
  t.equal((await fhir('DELETE', `Patient?identifier=${SYSTEM}|only&_cursor=not-a-cursor&_type=Patient`)).status, 204);
  t.equal((await fhir('GET', `Patient/${json.id}`)).status, 410);
  // FHIR's result parameters that Haven does not implement stay criteria it refuses.
  t.equal((await fhir('DELETE', `Patient?identifier=${SYSTEM}|only&_contained=true`)).status, 400);
});
