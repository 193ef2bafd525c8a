// The SMART scope grammar, v1 and v2 (reference/smart-scopes.md 1.1-1.6), scope mediation at the
// token endpoint, and query restrictions evaluated on single resources (by the search engine's
// Node matcher, test/auth/restriction-tokens.test.ts for every parameter type): pure functions.
import t from 'tap';
import { restrictionFilter } from '../../src/auth/restriction.js';
import { mediateScopes as mediate } from '../../src/auth/scope-mediation.js';
import { formatScope, parseScope, parseScopes } from '../../src/auth/scopes.js';
import { createSearchEngine } from '../../src/store/search/engine.js';

const engine = createSearchEngine({ baseUrl: 'http://haven.test/fhir', zone: 'UTC', defaultCount: 20, maxCount: 100 });
const mediateScopes = (requested: string, registered: string, types: ReadonlySet<string>) => mediate(requested, registered, types, engine);

t.test('v2 letters are a subsequence of cruds; v1 read, write and * map to rs, cud and cruds', async (t) => {
  t.match(parseScope('patient/Observation.rs'), { context: 'patient', resourceType: 'Observation', letters: ['r', 's'], v1: false });
  t.match(parseScope('user/*.cruds'), { context: 'user', resourceType: '*', letters: ['c', 'r', 'u', 'd', 's'] });
  t.match(parseScope('system/Patient.read'), { letters: ['r', 's'], v1: true });
  t.match(parseScope('system/Patient.write'), { letters: ['c', 'u', 'd'], v1: true });
  t.match(parseScope('system/Patient.*'), { letters: ['c', 'r', 'u', 'd', 's'], v1: true });
  t.match(parseScope('http://smarthealthit.org/fhir/scopes/patient/*.r'), { context: 'patient', resourceType: '*', letters: ['r'] });
  for (const bad of [
    'patient/Observation.sr',
    'patient/Observation.dus',
    'patient/Observation.',
    'patient/Observation.rr',
    'patient/.rs',
    'user/Observation.read?code=x',
    'patient/Observation.rs?code',
    'patient/Observation.rs?=x',
  ]) {
    t.equal(parseScope(bad), 'invalid', bad);
  }
  for (const other of ['admin', 'launch/patient', 'openid', 'fhirUser', 'offline_access', '__extension.scope']) t.equal(parseScope(other), undefined, other);
  const parsed = parseScopes('  patient/*.rs admin  system/x.zz ');
  t.equal(parsed.resources.length, 1);
  t.same(parsed.others, ['admin']);
  t.same(parsed.invalid, ['system/x.zz']);
});

t.test('restrictions are v2 only and keep their pairs', async (t) => {
  const scope = parseScope('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs&status=final');
  t.match(scope, {
    restriction: [
      ['category', 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs'],
      ['status', 'final'],
    ],
  });
  t.equal(
    formatScope(scope as Exclude<typeof scope, 'invalid' | undefined>),
    'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs&status=final',
  );
});

t.test('granted scope is requested ∩ registered, in its shortest form', async (t) => {
  const types = new Set(['Patient', 'Observation', 'Practitioner']);
  t.same(mediateScopes('system/*.cruds', 'system/*.rs', types).granted, ['system/*.rs']);
  t.same(mediateScopes('system/Observation.cruds', 'system/Observation.r system/*.s', types).granted, ['system/Observation.r', 'system/Observation.s']);
  t.same(mediateScopes('system/*.rs', 'system/Patient.rs', types).granted, ['system/Patient.rs']);
  t.same(mediateScopes('system/Patient.rs system/*.rs', 'system/*.rs', types).granted, ['system/*.rs'], 'covered scopes factor away');
  t.same(
    mediateScopes('system/Observation.rs', 'system/Observation.rs?category=vital-signs', types).granted,
    ['system/Observation.rs?category=vital-signs'],
    'the registered restriction stays',
  );
  t.same(mediateScopes('system/*.rs?category=laboratory', 'system/*.rs', types).granted, [], 'a wildcard restriction cannot be evaluated: dropped');
  t.same(mediateScopes('system/Observation.rs?nonsense=5', 'system/*.rs', types).granted, [], 'a parameter Haven does not know: dropped');
  t.same(mediateScopes('system/Observation.rs?subject.name=x', 'system/*.rs', types).granted, [], 'a chain cannot be evaluated on one resource: dropped');
  t.same(mediateScopes('system/Observation.rs?_sort=date', 'system/*.rs', types).granted, [], 'a result parameter selects nothing: dropped');
  t.same(
    mediateScopes('system/Observation.rs?value-quantity=5', 'system/*.rs', types).granted,
    ['system/Observation.rs?value-quantity=5'],
    'any parameter the search evaluates is kept',
  );
  t.same(mediateScopes('admin system/Patient.r', 'system/Patient.r', types).granted, ['system/Patient.r'], 'admin only when registered');
  t.same(mediateScopes('admin', 'admin', types).granted, ['admin']);
  t.same(mediateScopes('patient/*.rs user/*.rs', 'patient/*.rs user/*.rs', types).granted, [], 'no patient or user without launch context');
  t.same(mediateScopes('system/Nonsense.rs system/Patient.xy', 'system/*.rs', types).invalid, ['system/Patient.xy', 'system/Nonsense.rs']);
});

t.test('restriction filters evaluate search criteria on a resource', async (t) => {
  const obs = {
    resourceType: 'Observation' as const,
    status: 'final' as const,
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: 'Patient/a' },
  };
  const matches = (criteria: Array<[string, string]>) => restrictionFilter(engine, 'Observation', [criteria])?.matches(obs);
  t.equal(matches([['category', 'vital-signs']]), true);
  t.equal(matches([['category', 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs']]), true);
  t.equal(matches([['category', 'http://other|vital-signs']]), false);
  t.equal(matches([['category', '|vital-signs']]), false, 'no system wanted, but it has one');
  t.equal(matches([['category', 'http://terminology.hl7.org/CodeSystem/observation-category|']]), true);
  t.equal(matches([['category', 'survey,vital-signs']]), true, 'comma is OR');
  t.equal(
    matches([
      ['category', 'vital-signs'],
      ['code', 'http://loinc.org|8867-4'],
    ]),
    true,
    'pairs are AND',
  );
  t.equal(
    matches([
      ['category', 'vital-signs'],
      ['status', 'amended'],
    ]),
    false,
  );
  t.equal(matches([['subject', 'Patient/a']]), true);
  t.equal(matches([['subject', 'Patient/b']]), false);
  t.equal(matches([['code:not', 'http://loinc.org|8867-4']]), false, 'modifiers the search supports are evaluated');
  t.equal(matches([['value-quantity', '5']]), false, 'as are the other parameter types');
  t.equal(restrictionFilter(engine, 'Observation', [[['code:in', 'http://x']]]), undefined, 'a modifier the search does not support is not evaluated');
  t.equal(restrictionFilter(engine, 'Observation', [[['category', 'vital-signs']], [['subject.name', 'x']]]), undefined, 'nor a chain, in any alternative');
});
