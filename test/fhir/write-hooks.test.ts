// After-write hooks: called in the write's transaction with the version stored, for every write
// interaction on their resource type only; what they write is stored with the write; a hook that
// throws rolls the write back.
import type { Resource } from '@medplum/fhirtypes';
import t from 'tap';
import { FhirError } from '../../src/errors.js';
import { WriteHooks, type WrittenVersion } from '../../src/fhir/interactions/hooks.js';
import { WriteInteractions } from '../../src/fhir/interactions/write.js';
import { ALL_ACCESS } from '../../src/store/context.js';
import { testApp } from '../helpers/app.js';

const ctx = { actor: { requestId: 'hooks-test' }, access: ALL_ACCESS };

t.test('hooks see every write of their type, write in the same transaction, and roll it back by throwing', async (t) => {
  const { services } = await testApp(t);
  const seen: Array<Pick<WrittenVersion, 'interaction'> & { id: string; versionId: number; resource?: Resource }> = [];
  const hooks = new WriteHooks()
    .on('Patient', async (s, written) => {
      seen.push({ interaction: written.interaction, id: written.version.id, versionId: written.version.versionId, resource: written.resource });
      if (written.resource && (written.resource as { gender?: string }).gender === 'unknown') throw FhirError.unprocessable('invalid-resource', 'hook refuses');
      if (written.interaction !== 'delete')
        await s.update('Basic', `note-${written.version.id}`, { resourceType: 'Basic', code: { text: `v${written.version.versionId}` } });
    })
    .on('Patient', async (_s, written) => {
      seen.push({ interaction: written.interaction, id: 'second hook', versionId: written.version.versionId });
    });
  const writes = new WriteInteractions(services.validator, hooks);
  const run = <T>(fn: (s: Parameters<Parameters<typeof services.store.transaction>[1]>[0]) => Promise<T>) => services.store.transaction(ctx, fn);

  const created = await run((s) => writes.create(s, 'Patient', { resourceType: 'Patient', gender: 'female' }));
  const id = created.version!.id;
  t.match(
    seen,
    [{ interaction: 'create', id, versionId: 1, resource: { resourceType: 'Patient', id, gender: 'female', meta: { versionId: '1' } } }, { id: 'second hook' }],
    'called with the stored version and resource, hooks in order',
  );
  const reader = services.store.reader(ctx);
  t.match((await reader.read('Basic', `note-${id}`))?.json, /"text":"v1"/, "the hook's write is stored");

  seen.length = 0;
  await run((s) => writes.update(s, 'Patient', id, { resourceType: 'Patient', id, gender: 'male' }));
  await run((s) => writes.patch(s, 'Patient', id, [{ op: 'replace', path: '/gender', value: 'other' }]));
  await run((s) => writes.delete(s, 'Patient', id));
  await run((s) => writes.delete(s, 'Patient', id));
  t.strictSame(
    seen.filter((x) => x.id === id).map((x) => [x.interaction, x.versionId, x.resource === undefined]),
    [
      ['update', 2, false],
      ['patch', 3, false],
      ['delete', 4, true],
    ],
    'update, patch and delete call the hooks; deleting nothing does not',
  );

  seen.length = 0;
  await run((s) => writes.create(s, 'Observation', { resourceType: 'Observation', status: 'final', code: { text: 'x' } }));
  t.strictSame(seen, [], 'other types do not call them');

  const before = await services.db.query<{ n: number }>('SELECT count(*)::int AS n FROM resource');
  const failed = await run((s) => writes.create(s, 'Patient', { resourceType: 'Patient', gender: 'unknown' })).catch((error: unknown) => error);
  t.equal((failed as FhirError).status, 422, 'a throwing hook fails the write');
  const after = await services.db.query<{ n: number }>('SELECT count(*)::int AS n FROM resource');
  t.equal(after.rows[0].n, before.rows[0].n, 'and nothing of it is stored');
});
