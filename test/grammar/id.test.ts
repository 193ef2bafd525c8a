// FHIR ids (R4 datatypes: id): 1-64 of [A-Za-z0-9-.], nothing else.
import t from 'tap';
import { ID_PATTERN, ID_SOURCE, isFhirId } from '../../src/grammar/id.js';

t.test('ids: letters, digits, "-" and ".", 1 to 64 of them', async (t) => {
  for (const good of ['1', 'a', 'Z', '-', '.', 'abc-DEF.123', 'a'.repeat(64), '550e8400-e29b-41d4-a716-446655440000']) t.ok(isFhirId(good), good);
  for (const bad of ['', 'a'.repeat(65), 'a_b', 'a b', 'a/b', 'a:b', 'é', 'a\n', '\na', 'a,b', 'a|b', 'a$b', 'a\\b', 'a%20b'])
    t.notOk(isFhirId(bad), JSON.stringify(bad));
});

t.test('isFhirId refuses what is not a string; ID_PATTERN is anchored', async (t) => {
  for (const value of [undefined, null, 1, {}, ['a'], true]) t.notOk(isFhirId(value), String(value));
  t.notOk(ID_PATTERN.test('Patient/1'));
  t.ok(ID_PATTERN.test('x'));
  t.ok(new RegExp(`^Patient/${ID_SOURCE}$`).test('Patient/a.b-1'), 'the source composes');
  t.notOk(new RegExp(`^Patient/${ID_SOURCE}$`).test('Patient/a_b'));
});
