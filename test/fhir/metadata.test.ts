// GET /fhir/metadata: a valid CapabilityStatement listing what really works, with an ETag.
import t from 'tap';
import { testApp } from '../helpers/app.js';

t.test('the CapabilityStatement is valid R4, needs no body, and lists every resource type with its interactions', async (t) => {
  const { fhir, services } = await testApp(t);
  const res = await fhir('GET', 'metadata');
  t.equal(res.status, 200);
  t.same(services.validator.validate(res.json), [], 'validates against the R4 schema');
  t.equal(res.json.fhirVersion, '4.0.1');
  t.equal(res.json.kind, 'instance');
  t.same(res.json.patchFormat, ['application/json-patch+json']);
  const rest = res.json.rest[0];
  const patient = rest.resource.find((r: { type: string }) => r.type === 'Patient');
  const codes = patient.interaction.map((i: { code: string }) => i.code);
  for (const code of ['read', 'vread', 'create', 'update', 'patch', 'delete', 'history-instance', 'history-type']) t.ok(codes.includes(code), code);
  t.equal(patient.versioning, 'versioned-update');
  t.equal(patient.updateCreate, true);
  t.equal(patient.conditionalCreate, true);
  t.equal(patient.conditionalDelete, 'single');
  t.equal(rest.resource.length, services.validator.resourceTypes.size, 'every R4 resource type');
  t.ok(rest.interaction.some((i: { code: string }) => i.code === 'history-system'));
  const observation = rest.resource.find((r: { type: string }) => r.type === 'Observation');
  t.ok(observation.searchInclude.includes('Observation:subject'), 'searchInclude lists the reference parameters');
  t.ok(observation.searchInclude.includes('Observation:*'));
  t.ok(patient.searchRevInclude.includes('Observation:subject'), 'searchRevInclude lists what can point at the type');
  t.notOk(patient.searchRevInclude.includes('Patient:organization'), 'and not references to other types');
  t.match(res.headers.etag, /^W\/"/);
  t.equal((await fhir('GET', 'metadata', undefined, { 'if-none-match': res.headers.etag as string })).status, 304);
});
