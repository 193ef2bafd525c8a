// The R4 schema validator as a pure function: what the official schema says, plus what it cannot say.
import t from 'tap';
import { sharedValidator } from '../helpers/app.js';

const validator = sharedValidator();
const observation = {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  effectiveDateTime: '2026-02-28T08:30:00+01:00',
  valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
};

const firstIssue = (resource: unknown) => validator.validate(resource)[0];

t.test('a valid resource has no issues', async (t) => {
  t.same(validator.validate(observation), []);
  t.same(validator.validate({ resourceType: 'Patient', birthDate: '2024-02-29' }), [], 'a leap day in a leap year');
  t.same(validator.validate({ resourceType: 'Patient', birthDate: '1984' }), [], 'a partial date');
});

t.test('calendar dates are checked beyond the pattern', async (t) => {
  t.match(firstIssue({ resourceType: 'Patient', birthDate: '2026-02-29' }), { code: 'value', expression: ['Patient.birthDate'] });
  t.match(firstIssue({ ...observation, effectiveDateTime: '2026-04-31T10:00:00Z' }), { expression: ['Observation.effectiveDateTime'] });
  t.match(firstIssue({ ...observation, issued: '2026-01-01' }), { code: 'value', expression: ['Observation.issued'] }, 'an instant needs a time');
});

t.test('integers are integers in range; unsignedInt and positiveInt keep their bounds', async (t) => {
  t.match(firstIssue({ ...observation, valueInteger: 2.5, valueQuantity: undefined }), { expression: ['Observation.valueInteger'] });
  t.match(firstIssue({ resourceType: 'Patient', multipleBirthInteger: 2 ** 31 }), { code: 'value', expression: ['Patient.multipleBirthInteger'] });
  t.match(
    firstIssue({
      resourceType: 'ImmunizationRecommendation',
      patient: { reference: 'Patient/1' },
      date: '2026',
      recommendation: [{ targetDisease: { text: 'x' }, forecastStatus: { text: 'x' }, doseNumberPositiveInt: 0 }],
    }),
    {
      code: 'value',
      expression: ['ImmunizationRecommendation.recommendation[0].doseNumberPositiveInt'],
    },
  );
});

t.test('nested resources are validated by their own type and errors point into them', async (t) => {
  const issue = firstIssue({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', gender: 'x' } }] });
  t.same(issue.expression, ['Bundle.entry[0].resource.gender']);
  t.match(firstIssue({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Nope' } }] }), {
    expression: ['Bundle.entry[0].resource.resourceType'],
  });
});

t.test('several problems are reported together, named by FHIRPath expressions', async (t) => {
  const issues = validator.validate({ resourceType: 'Observation', status: 'done', colour: 'red' });
  const expressions = issues.map((i) => i.expression?.[0]);
  t.ok(expressions.includes('Observation.code'), 'missing required element');
  t.ok(expressions.includes('Observation.status'), 'bad code');
  t.ok(expressions.includes('Observation.colour'), 'unknown element');
});

t.test('narrative: XHTML div with the namespace and no active content', async (t) => {
  const div = (html: string) => ({ resourceType: 'Patient', text: { status: 'generated', div: html } });
  t.same(validator.validate(div('<div xmlns="http://www.w3.org/1999/xhtml"><p>Ana <b>Rivera</b></p></div>')), []);
  t.ok(validator.validate(div('<p>no div</p>')).length);
  t.ok(validator.validate(div('<div>no namespace</div>')).length);
  t.ok(validator.validate(div('<div xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(1)"/></div>')).length);
  t.ok(validator.validate(div('<div xmlns="http://www.w3.org/1999/xhtml"><a href="javascript:alert(1)">x</a></div>')).length);
});

t.test('every R4 resource type is known, and nothing else', async (t) => {
  t.equal(validator.resourceTypes.size, 146);
  t.notOk(validator.resourceTypes.has('Project'), "Medplum's own types are not R4");
  t.ok(validator.resourceTypes.has('QuestionnaireResponse'));
  t.notOk(validator.resourceTypes.has('Resource'));
  t.match(firstIssue({ resourceType: 'DomainResource' }), { expression: ['resourceType'] });
});
