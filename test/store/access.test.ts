// accessCondition is the one place the caller's access becomes SQL. These tests pin its seams for
// the search engine: query restrictions are refused unless a FilterCompiler is given (fail closed),
// and per-type access (system-level search and history) keeps each type to its own rule.
import type { Resource } from '@medplum/fhirtypes';
import t from 'tap';
import { accessCondition, admits, type AccessOptions } from '../../src/store/access.js';
import { ALL_ACCESS, type Access, type ResourceFilter } from '../../src/store/context.js';
import type { Queryable } from '../../src/store/db.js';
import { Statement } from '../../src/store/statement.js';
import { testApp } from '../helpers/app.js';

const vitalSigns: ResourceFilter = {
  resourceType: 'Observation',
  anyOf: [[['category', 'vital-signs']]],
  matches: (r) => JSON.stringify(r).includes('vital-signs'),
};

async function visible(q: Queryable, access: Access, options?: AccessOptions): Promise<string[]> {
  const stmt = new Statement();
  const sql = `SELECT r.resource_type || '/' || r.id AS ref FROM resource r WHERE NOT r.deleted AND ${accessCondition(access, 'r', stmt, options)} ORDER BY 1`;
  return (await q.query<{ ref: string }>(sql, stmt.params)).rows.map((r) => r.ref);
}

t.test('accessCondition', async (t) => {
  const app = await testApp(t);
  for (const r of [
    { resourceType: 'Patient', id: 'a' },
    { resourceType: 'Patient', id: 'b' },
    { resourceType: 'Practitioner', id: 'p' },
    { resourceType: 'Observation', id: 'oa', status: 'final', code: { text: 'vital-signs' }, subject: { reference: 'Patient/a' } },
    { resourceType: 'Observation', id: 'ob', status: 'final', code: { text: 'mood' }, subject: { reference: 'Patient/b' } },
  ]) {
    t.equal((await app.fhir('PUT', `${r.resourceType}/${r.id}`, r)).status, 201);
  }
  const db = app.db;
  const patientA: Access = { kind: 'compartments', compartments: ['Patient/a'] };
  t.same(await visible(db, ALL_ACCESS), ['Observation/oa', 'Observation/ob', 'Patient/a', 'Patient/b', 'Practitioner/p']);
  t.same(await visible(db, { kind: 'none' }), []);
  t.same(await visible(db, patientA), ['Observation/oa', 'Patient/a']);
  t.same(await visible(db, { kind: 'types', types: ['Practitioner'] }), ['Practitioner/p']);
  t.same(await visible(db, { kind: 'anyOf', of: [patientA, { kind: 'types', types: ['Practitioner'] }] }), ['Observation/oa', 'Patient/a', 'Practitioner/p']);
  t.same(await visible(db, { kind: 'allOf', of: [patientA, { kind: 'types', types: ['Patient'] }] }), ['Patient/a']);
  t.same(
    await visible(db, { kind: 'byType', types: { Observation: ALL_ACCESS, Patient: patientA } }),
    ['Observation/oa', 'Observation/ob', 'Patient/a'],
    'byType: each type by its own rule, other types nothing',
  );
  t.same(await visible(db, { kind: 'byType', types: { Observation: { kind: 'none' } }, otherTypes: patientA }), ['Patient/a']);

  const restricted: Access = { kind: 'filtered', within: ALL_ACCESS, filter: vitalSigns };
  t.same(await visible(db, restricted), [], 'without a compiler a restriction admits nothing (fail closed)');
  const compiled = await visible(db, restricted, {
    filters: (filter, alias) => `(${alias}.content LIKE '%vital-signs%' AND ${alias}.resource_type = 'Observation' AND ${filter.anyOf.length} = 1)`,
  });
  t.same(compiled, ['Observation/oa'], 'a FilterCompiler turns the criteria into SQL');
  t.same(await visible(db, restricted, { filters: 'checked-after' }), ['Observation/oa', 'Observation/ob'], 'checked-after defers to admitsContent');
  t.same(
    await visible(db, { kind: 'anyOf', of: [restricted, patientA] }, { filters: 'checked-after' }),
    ['Observation/oa', 'Patient/a'],
    'inside a union a deferred restriction counts as not matching',
  );

  const obs = (subject: string, text: string) =>
    ({ resourceType: 'Observation', status: 'final', code: { text }, subject: { reference: subject } }) as Resource;
  t.equal(await admits(db, patientA, { resourceType: 'Observation', compartments: ['Patient/a'] }), true);
  t.equal(await admits(db, patientA, { resourceType: 'Observation', compartments: ['Patient/b'] }), false);
  t.equal(await admits(db, restricted, { resourceType: 'Observation', compartments: [], resource: obs('Patient/b', 'vital-signs') }), true);
  t.equal(await admits(db, restricted, { resourceType: 'Observation', compartments: [] }), false, 'a restriction needs the resource');
  t.equal(await admits(db, { kind: 'careTeam', member: 'Practitioner/x' }, { resourceType: 'Observation', compartments: ['Patient/a'] }), false);
});
