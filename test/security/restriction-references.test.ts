// Issue 20: a SMART v2 query restriction on a reference (`user/Observation.rs?performer=Practitioner/doc`)
// reads references as the search index does (parsed), not by how their text ends: evaluated in Node
// on reads and writes, it must not admit what the SQL form of the same restriction excludes.
import t from 'tap';
import { restrictionFilter } from '../../src/auth/restriction.js';
import { createSearchEngine } from '../../src/store/search/engine.js';

const BASE = 'http://haven.test/fhir';
const engine = createSearchEngine({ baseUrl: BASE, zone: 'UTC', defaultCount: 20, maxCount: 100 });
const observation = (performer: string) => ({
  resourceType: 'Observation' as const,
  status: 'final' as const,
  code: {},
  performer: [{ reference: performer }],
});

t.test('reference restrictions compare parsed references', async (t) => {
  const filter = restrictionFilter(engine, 'Observation', [[['performer', 'Practitioner/doc']]]);
  t.ok(filter);
  const matches = (performer: string) => filter!.matches(observation(performer));
  t.equal(matches('Practitioner/doc'), true);
  t.equal(matches('Practitioner/doc/_history/3'), true, 'a versioned reference is the same resource');
  t.equal(matches(`${BASE}/Practitioner/doc`), true, 'an absolute reference to this server is the same resource');
  t.equal(matches('Practitioner/other/../../Practitioner/doc'), false, 'dot segments are not Practitioner/doc');
  t.equal(matches('http://other.example/fhir/Practitioner/doc'), false, 'another server’s Practitioner/doc is not ours');
  t.equal(matches('#doc'), false, 'a contained reference is not Practitioner/doc');
  const byId = restrictionFilter(engine, 'Observation', [[['performer', 'doc']]]);
  t.equal(byId!.matches(observation('Practitioner/doc')), true, 'a bare id matches the id of any type');
  t.equal(byId!.matches(observation('http://other.example/fhir/Practitioner/doc')), false);
});
