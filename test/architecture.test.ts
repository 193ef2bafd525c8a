// The walls of the house (docs/architecture.md), checked over src/'s text: no import cycles
// between files (type imports included) nor between rooms, store/ importing none of the rooms
// built on it, mappers/ pure (no HTTP, no database), and SQL written only in store/. No database.
// Each rule is shown to bite in test/architecture/checker.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import t from 'tap';
import { cycles, importCycles, imports, roomOf, sqlOutside, wallBreaches } from './architecture/checker.js';
import { COMPOSITION_ROOT, SQL_ROOMS, WALLS } from './architecture/rules.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function sourcesUnder(folder: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts')) found.set(path, readFileSync(join(root, path), 'utf8'));
    }
  };
  walk(folder);
  return found;
}

const sources = sourcesUnder('src');

t.ok(sources.size > 100, `read src/ (${sources.size} files)`);

t.test('no import cycle between files, type imports included', async (t) => {
  const found = importCycles(sources).filter((v) => v.rule === 'no file import cycles');
  t.same(
    found.map((v) => v.detail),
    [],
  );
});

t.test('no import cycle between rooms (the composition root aside)', async (t) => {
  const all = imports(sources);
  const aside = (room: string) => COMPOSITION_ROOT.some((top) => room === top || room.startsWith(`${top}/`));
  const edges = all.map((e) => [roomOf(e.from), roomOf(e.to)] as const).filter(([from, to]) => from !== to && !aside(from) && !aside(to));
  // None is tolerated (the last two, auth/ <-> oauth/ and alerts/ <-> api/ <-> hooks/, were taken
  // apart in issue 12): a room that needs one above it is a file in the wrong room.
  t.same(
    cycles(edges).map((members) => members.join(' <-> ')),
    [],
  );
});

t.test('the walls: store/ below the rooms, mappers/ and clinical/ pure', async (t) => {
  t.same(
    wallBreaches(sources, WALLS).map((v) => `${v.file} -> ${v.detail} (${v.rule})`),
    [],
  );
});

t.test('SQL only in store/', async (t) => {
  t.same(
    sqlOutside(sources, SQL_ROOMS).map((v) => `${v.file}: ${v.detail}`),
    [],
  );
});
