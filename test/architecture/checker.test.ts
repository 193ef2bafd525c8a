// Each rule of test/architecture.test.ts shown to bite, on small made-up source trees.
import t from 'tap';
import { cycles, importCycles, imports, roomOf, sqlOutside, wallBreaches } from './checker.js';
import { WALLS } from './rules.js';

const tree = (files: Record<string, string>) => new Map(Object.entries(files));

t.test('imports: static, re-export, dynamic, type-only and inline type imports, resolved to files', async (t) => {
  const found = imports(
    tree({
      'src/a.ts': [
        "import { b } from './b.js';",
        "import type { C } from './c.js';",
        "import { type D } from './d/index.js';",
        "export { e } from './e.js';",
        "const f = await import('./f.js');",
        "let g: import('./g.js').G;",
        "import { readFileSync } from 'node:fs';",
      ].join('\n'),
      'src/b.ts': '',
      'src/c.ts': '',
      'src/d/index.ts': '',
      'src/e.ts': '',
      'src/f.ts': '',
      'src/g.ts': '',
    }),
  );
  t.same(found.map((i) => `${i.to}${i.typeOnly ? ' (type)' : ''}`).sort(), [
    'src/b.ts',
    'src/c.ts (type)',
    'src/d/index.ts (type)',
    'src/e.ts',
    'src/f.ts',
    'src/g.ts (type)',
  ]);
});

t.test('a file cycle is found, through a type import too', async (t) => {
  const found = importCycles(
    tree({
      'src/store/a.ts': "import { b } from './b.js';",
      'src/store/b.ts': "import type { A } from './a.js';",
      'src/store/c.ts': "import { a } from './a.js';",
    }),
  );
  t.same(
    found.map((v) => `${v.rule}: ${v.detail}`),
    ['no file import cycles: src/store/a.ts <-> src/store/b.ts'],
  );
});

t.test('a room cycle is found where the files form none', async (t) => {
  const found = importCycles(
    tree({
      'src/fhir/routes.ts': "import { audit } from '../audit/routes.js';",
      'src/fhir/http.ts': '',
      'src/audit/routes.ts': "import { negotiate } from '../fhir/http.js';",
    }),
  );
  t.same(
    found.map((v) => v.rule),
    ['no room import cycles'],
  );
  t.match(found[0]!.detail, /src\/audit: src\/audit\/routes.ts -> src\/fhir\/http.ts; src\/fhir: src\/fhir\/routes.ts -> src\/audit\/routes.ts/);
});

t.test('cycles: a self-import and a long ring; a chain is none', async (t) => {
  t.same(cycles([['a', 'a']]), [['a']]);
  t.same(
    cycles([
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'a'],
      ['c', 'd'],
    ]),
    [['a', 'b', 'c']],
  );
  t.same(
    cycles([
      ['a', 'b'],
      ['b', 'c'],
    ]),
    [],
  );
  t.equal(roomOf('src/store/search/run.ts'), 'src/store');
  t.equal(roomOf('src/app.ts'), 'src/app.ts');
});

t.test('walls: store/ importing a room above it, mappers/ importing fastify or the store', async (t) => {
  const found = wallBreaches(
    tree({
      'src/store/search/run.ts': "import type { Grant } from '../../auth/grant.js';",
      'src/store/access.ts': "import { x } from './context.js';",
      'src/store/context.ts': '',
      'src/auth/grant.ts': '',
      'src/mappers/a.ts': "import type { FastifyRequest } from 'fastify';\nimport { Statement } from '../store/statement.js';",
      'src/store/statement.ts': '',
    }),
    WALLS,
  );
  t.same(found.map((v) => `${v.file} -> ${v.detail}`).sort(), [
    'src/mappers/a.ts -> fastify',
    'src/mappers/a.ts -> src/store/statement.ts',
    'src/store/search/run.ts -> src/auth/grant.ts',
  ]);
});

t.test('SQL outside store/: statements in strings and templates; prose and store/ itself pass', async (t) => {
  const found = sqlOutside(
    tree({
      'src/oauth/a.ts': [
        "const one = 'SELECT * FROM oauth_user WHERE username = $1';",
        'const two = `UPDATE oauth_user SET password_hash = ${hash} WHERE username = $1`;',
        "const three = 'DELETE FROM oauth_session';",
        'const four = `INSERT INTO audit_log (action) VALUES ($1)`;',
        "const health = 'SELECT 1';",
      ].join('\n'),
      'src/oauth/b.ts': "const prose = 'Select a patient from the list'; // SELECT x FROM y in a comment is no statement",
      'src/store/c.ts': "const fine = 'SELECT * FROM resource';",
    }),
    ['src/store'],
  );
  t.same(
    found.map((v) => v.file),
    ['src/oauth/a.ts:1', 'src/oauth/a.ts:2', 'src/oauth/a.ts:3', 'src/oauth/a.ts:4', 'src/oauth/a.ts:5'],
  );
});
