// What Haven publishes for alerts: the alert-rule CodeSystem (every CONTRACT rule code, kept in step
// with the rule set) and the Flag status/code/category SearchParameters, which the
// CapabilityStatement lists and a search uses.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { alertRuleCodeSystem } from '../../src/alerts/rule-set.js';
import { conformanceDir } from '../../src/paths.js';
import { sharedValidator, testApp } from '../helpers/app.js';
import type { Json } from './helpers.js';

const read = (file: string): Json => JSON.parse(readFileSync(path.join(conformanceDir, file), 'utf8'));

t.test('the alert-rule CodeSystem has exactly the contract rule codes, with definitions and default thresholds', async (t) => {
  const cs = read('CodeSystem-alert-rule.json');
  t.equal(cs.url, 'https://haven-fhir.org/fhir/CodeSystem/alert-rule');
  t.strictSame(
    cs.concept.map((c: Json) => c.code),
    [
      'bp-crisis',
      'bp-low',
      'heart-rate-high',
      'heart-rate-low',
      'spo2-low',
      'fever',
      'weight-gain-day',
      'weight-gain-week',
      'phq9-worsening',
      'gad7-worsening',
      'missed-dose',
      'adherence-low',
      'assessment-due',
    ],
  );
  for (const concept of cs.concept) {
    t.ok(concept.definition, `${concept.code} has a definition`);
    t.ok(concept.property.find((p: Json) => p.code === 'default-threshold')?.valueString, `${concept.code} has its default threshold`);
  }
  t.strictSame(cs, alertRuleCodeSystem(), 'the file is the rule set as built (regenerate it when a rule changes)');
  t.strictSame(sharedValidator().validate(cs), [], 'a valid R4 CodeSystem');
});

t.test('Flag status, code and category SearchParameters are published and served', async (t) => {
  const status = read('SearchParameter-Flag-status.json');
  t.match(status, { url: 'https://haven-fhir.org/fhir/SearchParameter/Flag-status', code: 'status', base: ['Flag'], type: 'token', expression: 'Flag.status' });
  for (const file of ['SearchParameter-Flag-status.json', 'SearchParameter-Flag-code.json', 'SearchParameter-Flag-category.json']) {
    t.strictSame(sharedValidator().validate(read(file)), [], `${file} is a valid R4 SearchParameter`);
  }
  const app = await testApp(t);
  const metadata = await app.fhir('GET', 'metadata');
  const flag = metadata.json.rest[0].resource.find((r: Json) => r.type === 'Flag');
  const names = flag.searchParam.map((p: Json) => p.name);
  for (const name of ['status', 'code', 'category', 'patient']) t.ok(names.includes(name), `CapabilityStatement: Flag?${name}`);
  await app.fhir('PUT', 'Patient/cs1', { resourceType: 'Patient', id: 'cs1' });
  for (const status of ['active', 'inactive']) {
    await app.fhir('POST', 'Flag', { resourceType: 'Flag', status, code: { text: status }, subject: { reference: 'Patient/cs1' } });
  }
  const active = await app.fhir('GET', 'Flag?patient=Patient/cs1&status=active');
  t.strictSame(
    active.json.entry.map((e: Json) => e.resource.code.text),
    ['active'],
  );
  t.notOk(active.headers['x-ignored'] ?? null);
});
