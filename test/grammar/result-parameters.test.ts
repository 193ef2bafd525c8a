// The one list of parameters that shape an answer rather than select resources.
import t from 'tap';
import { baseName, FORMAT_PARAMETERS, isResultParameter, RESULT_PARAMETERS, UNSUPPORTED_RESULT_PARAMETERS } from '../../src/grammar/result-parameters.js';

t.test('the lists', async (t) => {
  t.same([...RESULT_PARAMETERS].sort(), ['_count', '_cursor', '_elements', '_include', '_revinclude', '_sort', '_summary', '_total', '_type']);
  t.same([...UNSUPPORTED_RESULT_PARAMETERS].sort(), ['_contained', '_containedType']);
  t.same([...FORMAT_PARAMETERS].sort(), ['_format', '_pretty']);
  for (const name of UNSUPPORTED_RESULT_PARAMETERS) t.notOk(RESULT_PARAMETERS.has(name), `${name} is reported, not read`);
});

t.test('isResultParameter: by base name, modifiers aside', async (t) => {
  for (const name of [
    '_count',
    '_sort',
    '_total',
    '_summary',
    '_elements',
    '_include',
    '_include:iterate',
    '_revinclude:recurse',
    '_cursor',
    '_type',
    '_format',
    '_pretty',
  ])
    t.ok(isResultParameter(name), name);
  for (const name of [
    '_id',
    '_lastUpdated',
    'identifier',
    'patient:Patient',
    '_contained',
    '_containedType',
    '_has:Observation:patient:code',
    '_count_',
    'count',
    '_since',
  ])
    t.notOk(isResultParameter(name), name);
  t.equal(baseName('_include:iterate'), '_include');
  t.equal(baseName('code'), 'code');
  t.equal(baseName('a:b:c'), 'a');
});
