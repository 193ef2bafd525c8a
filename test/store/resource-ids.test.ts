// Server-assigned ids are UUIDv7 (src/store/ids.ts): valid FHIR ids, carrying the time of their
// creation, in creation order, for a POST, a transaction's creates and the store's bulk writer.
import t from 'tap';
import { newResourceId } from '../../src/store/ids.js';
import { testApp } from '../helpers/app.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millisOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

t.test('a UUIDv7 carries its millisecond and is ordered by it', async (t) => {
  const at = Date.UTC(2026, 11, 3, 9, 30, 0, 123);
  const id = newResourceId(at);
  t.match(id, UUID_V7);
  t.equal(millisOf(id), at);
  t.ok(newResourceId(at) < newResourceId(at + 1), 'a later millisecond sorts after');
  const many = new Set(Array.from({ length: 5000 }, () => newResourceId(at)));
  t.equal(many.size, 5000, 'no two alike within one millisecond');
  t.ok(newResourceId(2 ** 48 - 1).startsWith('ffffffff-ffff-7'), 'the largest timestamp');
});

t.test('POST, transaction and conditional create assign time-ordered ids', async (t) => {
  const { fhir } = await testApp(t);
  const before = Date.now();
  const first = await fhir('POST', 'Patient', { resourceType: 'Patient' });
  t.equal(first.status, 201);
  const id = first.json.id as string;
  t.match(id, UUID_V7, 'a UUIDv7');
  t.ok(millisOf(id) >= before && millisOf(id) <= Date.now(), 'of its creation time');
  await new Promise((r) => setTimeout(r, 2));
  const bundle = await fhir('POST', '', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [1, 2].map((n) => ({
      fullUrl: `urn:uuid:00000000-0000-4000-8000-00000000000${n}`,
      resource: { resourceType: 'Patient' },
      request: { method: 'POST', url: 'Patient' },
    })),
  });
  t.equal(bundle.status, 200);
  const ids = (bundle.json.entry as Array<{ response: { location: string } }>).map((e) => e.response.location.split('/')[1]);
  for (const entryId of ids) {
    t.match(entryId, UUID_V7);
    t.ok(entryId > id, 'later than the earlier create');
  }
  const read = await fhir('GET', `Patient/${ids[0]}`);
  t.equal(read.status, 200, 'readable under its id');
});
