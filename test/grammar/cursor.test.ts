// Page cursors: base64url JSON, checked by their reader's shape.
import t from 'tap';
import { decodeCursor, encodeCursor } from '../../src/grammar/cursor.js';

const isPoint = (v: unknown): v is { x: number } => !!v && typeof (v as { x?: unknown }).x === 'number';

t.test('a cursor round-trips and is URL-safe', async (t) => {
  const raw = encodeCursor({ x: 1, s: 'ü/+?&=' });
  t.match(raw, /^[A-Za-z0-9_-]+$/);
  t.same(decodeCursor(raw, isPoint), { x: 1, s: 'ü/+?&=' });
  t.equal(raw, Buffer.from(JSON.stringify({ x: 1, s: 'ü/+?&=' })).toString('base64url'), 'the wire format: base64url of the JSON');
});

t.test('anything that does not decode or has the wrong shape is undefined', async (t) => {
  for (const raw of [
    '',
    '!!!',
    'not-json',
    encodeCursor({ y: 1 }),
    encodeCursor(null),
    encodeCursor([1]),
    encodeCursor('x'),
    Buffer.from('{"x":').toString('base64url'),
  ]) {
    t.equal(decodeCursor(raw, isPoint), undefined, raw);
  }
});
