// The AuditEvent query string as a typed search (pure: no database).
import t from 'tap';
import { parseAuditQuery, type ParseOptions } from '../../src/audit/search-params.js';
import type { FhirError } from '../../src/errors.js';
import { loadConfig } from '../../src/config.js';

const options: ParseOptions = { strict: false, fhirBaseUrl: 'http://haven.test/fhir', resourceTypes: new Set(['Patient', 'Observation']) };
const parse = (query: string, strict = false) => parseAuditQuery(new URLSearchParams(query), { ...options, strict });
const status = (query: string, strict = false) => {
  try {
    parse(query, strict);
    return 200;
  } catch (error) {
    return (error as FhirError).status;
  }
};

t.test('date values: precision becomes a span, zones are kept, prefixes normalised for instants', async (t) => {
  const dates = parse(
    'date=2026&date=2026-02&date=ge2026-02-28&date=lt2026-02-28T10:15&date=sa2026-02-28T10:15:30Z&date=eb2026-02-28T10:15:30.25%2B02:00&date=ap2026-03-01&date=2026-02-28T10:15+02:00',
  ).filters.flatMap((f) => (f.param === 'date' ? f.values : []));
  t.same(dates, [
    { prefix: 'eq', local: '2026-01-01T00:00:00.000', span: '1 year' },
    { prefix: 'eq', local: '2026-02-01T00:00:00.000', span: '1 month' },
    { prefix: 'ge', local: '2026-02-28T00:00:00.000', span: '1 day' },
    { prefix: 'lt', local: '2026-02-28T10:15:00.000', span: '1 minute' },
    { prefix: 'gt', local: '2026-02-28T10:15:30.000', span: '1 second', offset: 'Z' },
    { prefix: 'lt', local: '2026-02-28T10:15:30.250', span: '1 millisecond', offset: '+02:00' },
    { prefix: 'eq', local: '2026-03-01T00:00:00.000', span: '1 day' },
    { prefix: 'eq', local: '2026-02-28T10:15:00.000', span: '1 minute', offset: '+02:00' },
  ]);
  for (const bad of ['2026-13', '2026-02-29', '2026-02-28T24:00', '26-01-01', 'xx2026', '2026-02-28T10']) t.equal(status(`date=${bad}`), 400, bad);
});

t.test('references: Type/id, bare ids, absolute URLs on this server, [type] modifiers', async (t) => {
  t.same(parse('patient=Patient/1,2,http://haven.test/fhir/Patient/3').filters, [{ param: 'patient', values: ['Patient/1', 'Patient/2', 'Patient/3'] }]);
  t.same(parse('entity=Observation/9/_history/2,abc').filters, [{ param: 'entity', values: [{ type: 'Observation', id: '9' }, { id: 'abc' }] }]);
  t.same(parse('entity:Observation=9').filters, [{ param: 'entity', values: [{ type: 'Observation', id: '9' }] }]);
  t.same(parse('agent:identifier=https://issuer|client-1').filters, [{ param: 'agent-identifier', values: ['client-1'] }]);
  t.equal(status('patient=Observation/1'), 400);
  t.equal(status('entity=Unknown/1'), 400);
  t.equal(status('entity:Nonsense=1'), 400);
  t.equal(status('entity=http://elsewhere.org/fhir/Patient/1'), 400, 'a reference to another server is no id');
});

t.test('tokens: codes with or without their system; another system matches nothing', async (t) => {
  t.same(parse('action=C,http://hl7.org/fhir/audit-event-action|R,urn:x|U,|D').filters, [{ param: 'action', values: ['C', 'R'] }]);
  t.same(parse('outcome=0,4,http://hl7.org/fhir/audit-event-outcome|8,7').filters, [{ param: 'outcome', values: [0, 4, 8] }]);
  t.same(parse('subtype=http://hl7.org/fhir/restful-interaction|search-type').filters, [{ param: 'subtype', values: ['search-type'] }]);
  t.equal(status('action:not=C'), 400, 'modifiers on tokens are not supported');
});

t.test('unknown parameters: ignored, or 400 with handling=strict; empty values ignored; the self link keeps what was used', async (t) => {
  const lenient = parse('foo=1&action=C&date=&_count=5&_sort=-date');
  t.same(lenient.used, [['action', 'C']]);
  t.equal(status('foo=1', true), 400);
  t.equal(status('_sort=date', true), 400, 'only newest first is offered');
  t.equal(status('_count=5&_cursor=x&_format=json&_pretty=true', true), 200);
});

t.test('configuration of the audit trail', async (t) => {
  const config = loadConfig({ DATA_DIR: '/srv/haven' });
  t.same(config.audit, { retentionMonths: 84, exportDir: '/srv/haven/audit-export', schedule: '17 3 * * *', readCommit: 'async' });
  const custom = loadConfig({
    DATA_DIR: '/srv/haven',
    AUDIT_RETENTION_MONTHS: '72',
    AUDIT_EXPORT_DIR: '/archive',
    AUDIT_SCHEDULE: '0 2 * * 0',
    AUDIT_READ_COMMIT: 'sync',
  });
  t.same(custom.audit, { retentionMonths: 72, exportDir: '/archive', schedule: '0 2 * * 0', readCommit: 'sync' });
  t.throws(() => loadConfig({ AUDIT_RETENTION_MONTHS: '0' }), /AUDIT_RETENTION_MONTHS/);
  t.throws(() => loadConfig({ AUDIT_SCHEDULE: 'every day' }), /AUDIT_SCHEDULE/);
  t.throws(() => loadConfig({ AUDIT_READ_COMMIT: 'maybe' }), /AUDIT_READ_COMMIT/);
});
