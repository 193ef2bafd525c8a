// The Patient CompartmentDefinition, read once for the store and the authorizer.
import t from 'tap';
import { patientCompartmentDefinition, readCompartmentDefinition } from '../../src/grammar/patient-compartment.js';

t.test('the official R4 definition', async (t) => {
  const definition = patientCompartmentDefinition();
  t.equal(definition.types[0], 'Patient');
  t.equal(new Set(definition.types).size, definition.types.length);
  t.same(definition.params.get('Observation'), ['subject', 'performer']);
  t.same(definition.params.get('Patient'), ['link']);
  t.ok(definition.params.has('Encounter'));
  for (const outside of ['Practitioner', 'Organization', 'Questionnaire', 'Medication', 'Location']) {
    t.notOk(definition.types.includes(outside), outside);
    t.notOk(definition.params.has(outside), outside);
  }
  t.equal(patientCompartmentDefinition(), definition, 'read once');
});

t.test('types without parameters are left out; Patient always comes first', async (t) => {
  const read = readCompartmentDefinition({
    resourceType: 'CompartmentDefinition',
    status: 'active',
    code: 'Patient',
    search: true,
    name: 'x',
    url: 'x',
    resource: [{ code: 'Observation', param: ['subject'] }, { code: 'Device' }, { code: 'Group', param: [] }, { code: 'Patient', param: ['link'] }],
  });
  t.same(read.types, ['Patient', 'Observation']);
  t.same([...read.params.keys()], ['Observation', 'Patient']);
  t.same(readCompartmentDefinition({ resourceType: 'CompartmentDefinition', status: 'active', code: 'Patient', search: true, name: 'x', url: 'x' }).types, [
    'Patient',
  ]);
});
