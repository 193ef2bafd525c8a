// The central permission check as a function: what Access each grant gives for each kind of request
// (the search and transaction routes call it directly: per `_type`, per entry, per included type).
import t from 'tap';
import { Authorizer } from '../../src/auth/authorize.js';
import { authorizeEntry, entryInteraction } from '../../src/auth/bundle-entry.js';
import { grantFromClaims } from '../../src/auth/grant.js';
import { FhirError } from '../../src/errors.js';

const authorizer = new Authorizer({
  userAccess: 'care-team',
  openTypes: new Set(['Practitioner', 'Questionnaire']),
  criteria: { criteriaMatcher: () => undefined },
});
const grant = (scope: string, claims: Record<string, string> = {}) => grantFromClaims('haven', { scope, ...claims }, 'http://haven.test/fhir');

t.test('system-level search with _type needs s on every type, each keeping its own rule', async (t) => {
  const g = grant('system/Observation.rs patient/Patient.rs', { patient: 'a' });
  t.same(authorizer.authorize(g, { interaction: 'search-system', types: ['Observation', 'Patient'] }), {
    kind: 'byType',
    types: { Observation: { kind: 'all' }, Patient: { kind: 'compartments', compartments: ['Patient/a'] } },
  });
  t.throws(() => authorizer.authorize(g, { interaction: 'search-system', types: ['Observation', 'Condition'] }), {
    status: 403,
    message: /search-system of Condition/,
  });
  t.same(
    authorizer.authorize(g, { interaction: 'history-system' }),
    {
      kind: 'byType',
      types: { Observation: { kind: 'all' }, Patient: { kind: 'compartments', compartments: ['Patient/a'] } },
    },
    'without _type: the types the scopes name, and nothing else',
  );
  t.same(authorizer.authorize(grant('system/*.rs'), { interaction: 'history-system' }), { kind: 'all' });
});

t.test('scopes of several contexts add up', async (t) => {
  const g = grant('patient/Observation.rs user/Observation.r system/Observation.s', { patient: 'a', fhirUser: 'Practitioner/d' });
  t.same(authorizer.authorize(g, { interaction: 'read', resourceType: 'Observation' }), {
    kind: 'anyOf',
    of: [
      { kind: 'careTeam', member: 'Practitioner/d' },
      { kind: 'compartments', compartments: ['Patient/a'] },
    ],
  });
  t.same(authorizer.authorize(g, { interaction: 'search-type', resourceType: 'Observation' }), { kind: 'all' }, 'all absorbs the rest');
});

t.test('user/ tokens read types outside patient compartments but do not write them', async (t) => {
  const g = grant('user/*.cruds', { fhirUser: 'Practitioner/d' });
  t.same(authorizer.authorize(g, { interaction: 'read', resourceType: 'Questionnaire' }), { kind: 'all' });
  t.throws(() => authorizer.authorize(g, { interaction: 'create', resourceType: 'Questionnaire' }), FhirError);
  t.same(authorizer.authorize(g, { interaction: 'create', resourceType: 'Observation' }), { kind: 'careTeam', member: 'Practitioner/d' });
});

t.test('conditional interactions also need s; tryAuthorize answers undefined instead of 403', async (t) => {
  const g = grant('system/Patient.cu');
  t.ok(authorizer.authorize(g, { interaction: 'create', resourceType: 'Patient' }));
  t.equal(authorizer.tryAuthorize(g, { interaction: 'conditional-create', resourceType: 'Patient' }), undefined);
  t.equal(authorizer.tryAuthorize(g, { interaction: 'read', resourceType: 'Patient' }), undefined);
});

t.test('authorizeTypes: an app record spanning several resource types', async (t) => {
  const g = grant('patient/QuestionnaireResponse.cr patient/Observation.cr', { patient: 'a' });
  const a = { kind: 'compartments', compartments: ['Patient/a'] };
  t.same(authorizer.authorizeTypes(g, 'create', ['QuestionnaireResponse', 'Observation']), {
    kind: 'byType',
    types: { QuestionnaireResponse: a, Observation: a },
  });
  t.throws(() => authorizer.authorizeTypes(g, 'create', ['QuestionnaireResponse', 'Flag']), { status: 403, message: /./ });
});

t.test('admin reads the audit trail; nobody changes it', async (t) => {
  t.same(authorizer.authorize(grant('admin'), { interaction: 'search-type', resourceType: 'AuditEvent' }), { kind: 'all' });
  t.throws(() => authorizer.authorize(grant('admin'), { interaction: 'read', resourceType: 'Patient' }), { status: 403, message: /./ });
  t.throws(() => authorizer.authorize(grant('system/*.cruds'), { interaction: 'delete', resourceType: 'AuditEvent' }), { status: 403, message: /./ });
});

t.test('bundle entries are authorized one by one, as separate requests', async (t) => {
  t.equal(entryInteraction({ kind: 'create' }), 'create');
  t.equal(entryInteraction({ kind: 'create', ifNoneExist: [['identifier', 'x']] }), 'conditional-create');
  t.equal(entryInteraction({ kind: 'search' }), 'search-type');
  const g = grant('patient/Observation.cr', { patient: 'a' });
  t.same(authorizeEntry(authorizer, g, { kind: 'create', type: 'Observation' }), { kind: 'compartments', compartments: ['Patient/a'] });
  t.throws(() => authorizeEntry(authorizer, g, { kind: 'delete', type: 'Observation' }), { status: 403, message: /delete of Observation/ });
  t.throws(() => authorizeEntry(authorizer, g, { kind: 'create', type: 'Observation', ifNoneExist: [] }), { status: 403, message: /search/ });
});
