// docs/audit.md tells the benchmark how to remove auditing from a bench-only database; this applies
// exactly that block and checks that Haven still serves, and records nothing.
import t from 'tap';
import { auditRemovalSql } from '../../bench/lib/unaudited.js';
import { testApp } from '../helpers/app.js';

t.test('the bench-only statements of docs/audit.md remove auditing and Haven still serves', async (t) => {
  const { fhir, db } = await testApp(t);
  await db.exec(auditRemovalSql());
  const created = await fhir('POST', 'Patient', { resourceType: 'Patient', gender: 'female' });
  t.equal(created.status, 201);
  t.equal((await fhir('GET', `Patient/${created.json.id}`)).status, 200);
  t.equal((await fhir('GET', `Patient/${created.json.id}/_history`)).status, 200);
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM audit_log_bench_kept');
  t.equal(rows[0].n, 0, 'nothing was recorded');
});
