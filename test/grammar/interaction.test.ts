// The interaction union, written once.
import t from 'tap';
import { INTERACTIONS, isInteraction, READ_INTERACTIONS, WRITE_INTERACTIONS } from '../../src/grammar/interaction.js';

t.test('the interactions, and the reads and writes among them', async (t) => {
  t.equal(INTERACTIONS.length, 15);
  t.equal(new Set(INTERACTIONS).size, INTERACTIONS.length);
  t.same([...READ_INTERACTIONS], ['read', 'vread', 'history-instance', 'history-type', 'history-system', 'search-type', 'search-system']);
  t.same([...WRITE_INTERACTIONS], ['create', 'update', 'patch', 'delete']);
  for (const i of [...READ_INTERACTIONS, ...WRITE_INTERACTIONS]) t.ok(isInteraction(i), i);
  for (const i of ['conditional-create', 'conditional-update', 'conditional-patch', 'conditional-delete']) t.ok(isInteraction(i), i);
  for (const i of ['search', 'transaction', 'batch', 'operation', 'capabilities', 'READ', '']) t.notOk(isInteraction(i), i);
});
