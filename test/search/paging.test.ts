// Keyset paging: walking `next` gives every match exactly once, also while other clients create,
// update and delete; `previous` walks back; _count honours the configured default and maximum.
import t from 'tap';
import { AS_TEST_LOADER } from '../helpers/database.js';
import { bulkCreate } from '../../src/store/bulk.js';
import { testApp } from '../helpers/app.js';
import { observationItems, patientItems } from '../helpers/observations.js';

interface Page {
  ids: string[];
  next?: string;
  previous?: string;
}

async function page(app: Awaited<ReturnType<typeof testApp>>, url: string): Promise<Page> {
  const res = await app.fhir('GET', url.replace('http://haven.test/fhir/', ''));
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${res.body}`);
  const link = (rel: string) => res.json.link.find((l: { relation: string }) => l.relation === rel)?.url;
  return { ids: (res.json.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id), next: link('next'), previous: link('previous') };
}

t.test('every match exactly once while others write, in the default order and by a sort key', async (t) => {
  const app = await testApp(t, { SEARCH_DEFAULT_COUNT: '7', SEARCH_MAX_COUNT: '9' });
  const { indexer } = app.services.search;
  await app.db.transaction((tx) => bulkCreate(tx, indexer, patientItems(2)), AS_TEST_LOADER);
  await app.db.transaction((tx) => bulkCreate(tx, indexer, observationItems(40, 2)), AS_TEST_LOADER);
  const original = Array.from({ length: 40 }, (_v, i) => `obs-${i}`).filter((_id, i) => i % 2 === 0); // pat-0's
  for (const query of ['Observation?subject=Patient/pat-0', 'Observation?subject=Patient/pat-0&_sort=-date']) {
    const seen: string[] = [];
    let url: string | undefined = query;
    let n = 0;
    const deleted = new Set<string>();
    while (url) {
      const p: Page = await page(app, url);
      t.ok(p.ids.length <= 7, 'the default page size');
      seen.push(...p.ids);
      // Others write between our pages: a new match, an update of a seen and of an unseen match,
      // and a deletion of an unseen one.
      await app.fhir('POST', 'Observation', {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'new' },
        subject: { reference: 'Patient/pat-0' },
        effectiveDateTime: '2026-07-01',
      });
      const unseen = original.filter((id) => !seen.includes(id) && !deleted.has(id));
      if (unseen.length > 3) {
        const update = (await app.fhir('GET', `Observation/${unseen[0]}`)).json;
        await app.fhir('PUT', `Observation/${unseen[0]}`, { ...update, status: 'amended' });
        await app.fhir('DELETE', `Observation/${unseen[1]}`);
        deleted.add(unseen[1]);
      }
      url = p.next;
      if (++n > 30) throw new Error('paging does not end');
    }
    const seenOriginal = seen.filter((id) => original.includes(id));
    t.equal(new Set(seen).size, seen.length, `${query}: no match twice`);
    t.same(seenOriginal.sort(), original.filter((id) => !deleted.has(id)).sort(), `${query}: every original match not deleted meanwhile, once`);
    for (const id of deleted) await app.fhir('PUT', `Observation/${id}`, { ...(await app.fhir('GET', `Observation/${original[0]}`)).json, id });
  }
});

t.test('previous walks back to the same pages; _count is capped by SEARCH_MAX_COUNT', async (t) => {
  const app = await testApp(t, { SEARCH_DEFAULT_COUNT: '3', SEARCH_MAX_COUNT: '5' });
  const { indexer } = app.services.search;
  await app.db.transaction((tx) => bulkCreate(tx, indexer, patientItems(1)), AS_TEST_LOADER);
  await app.db.transaction((tx) => bulkCreate(tx, indexer, observationItems(11, 1)), AS_TEST_LOADER);
  const first = await page(app, 'Observation?_sort=-date');
  t.same(first.ids, ['obs-0', 'obs-1', 'obs-2'], 'newest first');
  t.notOk(first.previous, 'the first page has no previous');
  const second = await page(app, first.next as string);
  t.same(second.ids, ['obs-3', 'obs-4', 'obs-5']);
  const back = await page(app, second.previous as string);
  t.same(back.ids, first.ids, 'previous returns the first page');
  t.ok(back.next);
  const big = await page(app, 'Observation?_count=100');
  t.equal(big.ids.length, 5, '_count above the maximum is capped');
  const none = await app.fhir('GET', 'Observation?_count=0');
  t.equal(none.json.entry, undefined);
  const self = (await app.fhir('GET', 'Observation?_count=2')).json.link[0];
  t.same(self, { relation: 'self', url: 'http://haven.test/fhir/Observation?_count=2' });
});
