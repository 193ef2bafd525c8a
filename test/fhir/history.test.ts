// History at instance, type and system level: newest first, deletions included, _since, _count and
// paging links that visit every version exactly once.
import t from 'tap';
import { testApp, type TestApp } from '../helpers/app.js';

interface Entry {
  fullUrl: string;
  resource?: { resourceType: string; id: string; meta: { versionId: string } };
  request: { method: string; url: string };
  response: { status: string; etag: string; lastModified: string };
}

const patient = (family: string) => ({ resourceType: 'Patient', name: [{ family }] });

/** Follows `next` links from a first page to the end, returning every entry. */
async function walk(fhir: TestApp['fhir'], firstPath: string): Promise<{ entries: Entry[]; pages: number }> {
  const entries: Entry[] = [];
  let path: string | undefined = firstPath;
  let pages = 0;
  while (path) {
    const page = await fhir('GET', path);
    if (page.status !== 200) throw new Error(`page answered ${page.status}: ${page.body}`);
    pages++;
    entries.push(...(page.json.entry ?? []));
    const next = page.json.link.find((l: { relation: string }) => l.relation === 'next');
    path = next ? next.url.replace('http://haven.test/fhir', '') : undefined;
  }
  return { entries, pages };
}

t.test('instance history lists every version newest first, deletion included', async (t) => {
  const { fhir, services } = await testApp(t);
  const { json } = await fhir('POST', 'Patient', patient('One'));
  await fhir('PUT', `Patient/${json.id}`, { ...patient('Two'), id: json.id });
  await fhir('DELETE', `Patient/${json.id}`);
  const res = await fhir('GET', `Patient/${json.id}/_history`);
  t.equal(res.status, 200);
  t.equal(res.json.type, 'history');
  t.same(services.validator.validate(res.json), [], 'the Bundle validates against the R4 schema');
  const entries: Entry[] = res.json.entry;
  t.same(
    entries.map((e) => e.request.method),
    ['DELETE', 'PUT', 'POST'],
  );
  t.equal(entries[0].resource, undefined, 'a deletion has no resource');
  t.equal(entries[0].request.url, `Patient/${json.id}`);
  t.equal(entries[2].request.url, 'Patient', 'a create is a POST to the type');
  t.same(
    entries.map((e) => e.response.etag),
    ['W/"3"', 'W/"2"', 'W/"1"'],
  );
  t.equal(entries[1].resource?.meta.versionId, '2');
  t.equal(entries[1].fullUrl, `http://haven.test/fhir/Patient/${json.id}`);
  t.ok(res.json.link.find((l: { relation: string }) => l.relation === 'self'));
});

t.test('type and system history include only their scope and honour _since', async (t) => {
  const { fhir } = await testApp(t);
  const a = await fhir('POST', 'Patient', patient('A'));
  await fhir('POST', 'Observation', { resourceType: 'Observation', status: 'final', code: { text: 'x' } });
  const typeHistory = await fhir('GET', 'Patient/_history');
  t.equal(typeHistory.json.entry.length, 1);
  t.equal(typeHistory.json.entry[0].resource.id, a.json.id);
  const system = await fhir('GET', '_history');
  t.same(
    system.json.entry.map((e: Entry) => e.resource?.resourceType),
    ['Observation', 'Patient'],
    'system history spans types, newest first',
  );
  await new Promise((r) => setTimeout(r, 5));
  const cut = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 5));
  const b = await fhir('PUT', `Patient/${a.json.id}`, { ...patient('A2'), id: a.json.id });
  const since = await fhir('GET', `Patient/_history?_since=${encodeURIComponent(cut)}`);
  t.same(
    since.json.entry.map((e: Entry) => e.response.etag),
    [b.headers.etag],
    'only versions at or after _since',
  );
  t.equal((await fhir('GET', '_history?_since=yesterday')).status, 400, 'a malformed _since is 400');
  t.equal((await fhir('GET', '_history?_since=2026-01-01T00:00:00Z&_since=2026-01-02T00:00:00Z')).status, 400, 'repeated _since is 400');
});

t.test('paging: _count pages, next links, every version exactly once even while others write', async (t) => {
  const { fhir } = await testApp(t);
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) ids.push((await fhir('POST', 'Patient', patient(`P${i}`))).json.id);
  const first = await fhir('GET', 'Patient/_history?_count=3');
  t.equal(first.json.entry.length, 3);
  const self = first.json.link.find((l: { relation: string }) => l.relation === 'self');
  t.match(self.url, /^http:\/\/haven\.test\/fhir\/Patient\/_history\?_count=3/);
  // A write between pages: it is newer than the first page, so it must not shift later pages.
  const next = first.json.link.find((l: { relation: string }) => l.relation === 'next').url.replace('http://haven.test/fhir', '');
  await fhir('POST', 'Patient', patient('Late'));
  const rest = await walk(fhir, next);
  const seen = [...first.json.entry, ...rest.entries].map((e: Entry) => e.resource?.id);
  t.equal(seen.length, 7, 'seven versions in all');
  t.same([...seen].sort(), [...ids].sort(), 'each exactly once');
  t.equal(rest.pages, 2);
  t.equal((await fhir('GET', 'Patient/_history?_count=3&_cursor=garbage')).status, 400, 'a forged cursor is 400');
  t.equal((await fhir('GET', 'Patient/_history?_count=abc')).status, 400, 'a malformed _count is 400');
  t.equal((await fhir('GET', 'Patient/_history?_count=0')).json.entry, undefined, '_count=0 gives no entries');
});

t.test('instance history pages by version', async (t) => {
  const { fhir } = await testApp(t);
  const { json } = await fhir('POST', 'Patient', patient('V1'));
  for (let v = 2; v <= 5; v++) await fhir('PUT', `Patient/${json.id}`, { ...patient(`V${v}`), id: json.id });
  const { entries, pages } = await walk(fhir, `Patient/${json.id}/_history?_count=2`);
  t.same(
    entries.map((e) => e.resource?.meta.versionId),
    ['5', '4', '3', '2', '1'],
  );
  t.equal(pages, 3);
});

t.test('unknown history parameters are ignored, or refused with Prefer: handling=strict', async (t) => {
  const { fhir } = await testApp(t);
  t.equal((await fhir('GET', '_history?_at=2026')).status, 200);
  t.equal((await fhir('GET', '_history?_at=2026', undefined, { prefer: 'handling=strict' })).status, 400);
});
