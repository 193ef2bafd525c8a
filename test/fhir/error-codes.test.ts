// The error codes: one list (src/error-codes.ts) that docs/api.md shows row for row, that the
// server emits (every code is thrown somewhere in src/), and that every refusal carries in
// issue[].details.coding next to the unchanged issue.code and diagnostics.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ERROR_CODE_SYSTEM, ERROR_CODES } from '../../src/error-codes.js';
import { packageRoot } from '../../src/paths.js';
import { testApp } from '../helpers/app.js';
import { errorCode } from '../helpers/outcome.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sourceFiles(file) : file.endsWith('.ts') ? [file] : [];
  });
}

t.test('docs/api.md lists exactly the codes of src/error-codes.ts, with their status and meaning', async (t) => {
  const docs = readFileSync(path.join(packageRoot, 'docs', 'api.md'), 'utf8');
  const section = docs.slice(docs.indexOf('### Error codes'), docs.indexOf('\n## ', docs.indexOf('### Error codes')));
  const rows = [...section.matchAll(/^\| `([a-z-]+)` \| ([^|]+) \| (.+) \|$/gm)].map(([, code, status, meaning]) => ({
    code,
    status: status.trim(),
    meaning: meaning.replace(/\\\|/g, '|'),
  }));
  const listed = Object.entries(ERROR_CODES).map(([code, d]) => ({ code, status: d.status, meaning: d.meaning }));
  t.same(rows, listed, 'the table is the list, in order');
  t.match(docs, ERROR_CODE_SYSTEM, 'and names the CodeSystem');
});

t.test('every listed code is one the server emits', async (t) => {
  const src = path.join(packageRoot, 'src');
  const text = sourceFiles(src)
    .filter((f) => !f.endsWith(path.join('src', 'error-codes.ts')))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  for (const code of Object.keys(ERROR_CODES)) t.match(text, `'${code}'`, `${code} is thrown or answered somewhere in src/`);
});

t.test('refusals carry their code in details.coding; issue.code and diagnostics are as before', async (t) => {
  const { fhir, as, token } = await testApp(t);
  const unknown = await fhir('GET', 'Patient?nonsense=1', undefined, { prefer: 'handling=strict' });
  t.equal(unknown.status, 400);
  t.match(unknown.json.issue[0], {
    severity: 'error',
    code: 'not-supported',
    details: { coding: [{ system: ERROR_CODE_SYSTEM, code: 'unknown-parameter' }] },
    diagnostics: String,
  });
  t.equal(errorCode((await fhir('GET', 'Patient/no-such')).json), 'not-found');
  t.equal(errorCode((await fhir('GET', 'Nonsense/1')).json), 'unknown-type');
  t.equal(errorCode((await fhir('GET', 'Patient/bad$id')).json), 'invalid-id');
  t.equal(errorCode((await fhir('GET', 'nowhere/at/all/really/not')).json), 'no-endpoint');
  const created = await fhir('POST', 'Patient', { resourceType: 'Patient' });
  const stale = await fhir('PUT', `Patient/${created.json.id}`, { resourceType: 'Patient', id: created.json.id }, { 'if-match': 'W/"7"' });
  t.equal(stale.status, 412);
  t.equal(errorCode(stale.json), 'version-conflict');
  const noToken = await as(undefined)('GET', 'Patient');
  t.equal(noToken.status, 401);
  t.equal(errorCode(noToken.json), 'token-required');
  const badToken = await as('not.a.token')('GET', 'Patient');
  t.equal(errorCode(badToken.json), 'token-invalid');
  const narrow = await as(await token('system/Observation.rs'))('GET', 'Patient');
  t.equal(narrow.status, 403);
  t.equal(errorCode(narrow.json), 'scope-missing');
});
