// Literal references: relative, versioned, absolute on this server, at the end of any URL, and the
// types a position allows.
import t from 'tap';
import { FHIR_USER_TYPES, isReferenceTo, localPart, parseLiteralReference, parseReferenceAtEnd, referenceKey } from '../../src/grammar/reference.js';

const BASE = 'https://haven.test/fhir';

t.test('relative references: Type/id and Type/id/_history/version', async (t) => {
  t.same(parseLiteralReference('Patient/1'), { type: 'Patient', id: '1' });
  t.same(parseLiteralReference('Observation/a.b-C'), { type: 'Observation', id: 'a.b-C' });
  t.same(parseLiteralReference('Patient/1/_history/3'), { type: 'Patient', id: '1', version: '3' });
  t.same(
    parseLiteralReference('Patient/1/_history/v:3'),
    { type: 'Patient', id: '1', version: 'v:3' },
    'the version is anything up to a slash, as it always was',
  );
  for (const bad of [
    '',
    'Patient',
    'Patient/',
    '/Patient/1',
    'Patient/1/',
    'patient/1',
    'P/1',
    'Patient1/1',
    'Patient/a_b',
    `Patient/${'a'.repeat(65)}`,
    'Patient/1/_history',
    'Patient/1/_history/',
    'Patient/1/_history/2/3',
    'Patient/1/x/2',
    '#contained',
    'urn:uuid:1',
    'Patient?identifier=x|1',
    `${BASE}/Patient/1`,
    '1',
  ]) {
    t.equal(parseLiteralReference(bad), undefined, bad);
  }
  t.same(parseLiteralReference(`Patient/${'a'.repeat(64)}`)?.id.length, 64);
});

t.test("absolute references read as relative only under this server's base", async (t) => {
  t.same(parseLiteralReference(`${BASE}/Patient/1`, { baseUrl: BASE }), { type: 'Patient', id: '1' });
  t.same(parseLiteralReference(`${BASE}/Patient/1/_history/2`, { baseUrl: BASE }), { type: 'Patient', id: '1', version: '2' });
  t.same(parseLiteralReference(`${BASE}/Patient/1`, { baseUrl: `${BASE}/` }), { type: 'Patient', id: '1' }, 'a trailing slash on the base changes nothing');
  t.same(parseLiteralReference('Patient/1', { baseUrl: BASE }), { type: 'Patient', id: '1' }, 'relative stays relative');
  for (const other of [
    'https://other.test/fhir/Patient/1',
    `${BASE}x/Patient/1`,
    `${BASE}Patient/1`,
    `${BASE}/fhir/Patient/1`,
    'https://haven.test/Patient/1',
  ]) {
    t.equal(parseLiteralReference(other, { baseUrl: BASE }), undefined, other);
  }
  t.equal(localPart(`${BASE}/Patient/1`, BASE), 'Patient/1');
  t.equal(localPart('https://other.test/Patient/1', BASE), 'https://other.test/Patient/1');
  t.equal(localPart(`${BASE}/x`, undefined), `${BASE}/x`);
});

t.test('the types a position allows, and whether a version is', async (t) => {
  t.same(parseLiteralReference('Practitioner/7', { types: FHIR_USER_TYPES }), { type: 'Practitioner', id: '7' });
  t.equal(parseLiteralReference('Organization/7', { types: FHIR_USER_TYPES }), undefined);
  t.equal(parseLiteralReference('Patient/1/_history/2', { versioned: false }), undefined);
  t.same([...FHIR_USER_TYPES], ['Patient', 'Practitioner', 'PractitionerRole', 'RelatedPerson', 'Person']);
  t.ok(isReferenceTo('Patient/1', ['Patient']));
  t.ok(isReferenceTo(`${BASE}/Patient/1`, ['Patient'], BASE));
  t.notOk(isReferenceTo(`${BASE}/Patient/1`, ['Patient']), 'absolute needs the base');
  t.notOk(isReferenceTo('Patient/1/_history/1', ['Patient']), 'never versioned');
  t.notOk(isReferenceTo('Group/1', ['Patient']));
  t.notOk(isReferenceTo(undefined, ['Patient']));
});

t.test('the reference at the end of any URL: for the target type, wherever it lives', async (t) => {
  t.same(parseReferenceAtEnd('https://other.test/fhir/Patient/1'), { type: 'Patient', id: '1' });
  t.same(parseReferenceAtEnd('https://other.test/fhir/Patient/1/_history/4'), { type: 'Patient', id: '1', version: '4' });
  t.same(parseReferenceAtEnd('Observation/2'), { type: 'Observation', id: '2' });
  t.same(parseReferenceAtEnd('Patient/Observation/2'), { type: 'Observation', id: '2' }, 'the last Type/id wins');
  t.equal(parseReferenceAtEnd('https://other.test/fhir/patient/1'), undefined);
  t.equal(parseReferenceAtEnd('xPatient/1'), undefined, 'a type starts after a slash or at the start');
  t.equal(parseReferenceAtEnd('urn:uuid:550e8400-e29b-41d4-a716-446655440000'), undefined);
  t.equal(parseReferenceAtEnd('https://x/Practitioner/1/_history/2', { versioned: false }), undefined);
  t.same(parseReferenceAtEnd('https://x/Practitioner/1', { types: FHIR_USER_TYPES }), { type: 'Practitioner', id: '1' });
  t.equal(parseReferenceAtEnd('https://x/Device/1', { types: FHIR_USER_TYPES }), undefined);
});

t.test('referenceKey: the version-independent Type/id', async (t) => {
  t.equal(referenceKey({ type: 'Patient', id: '1', version: '2' }), 'Patient/1');
  t.equal(referenceKey(parseLiteralReference('Encounter/e.1/_history/9')!), 'Encounter/e.1');
});
