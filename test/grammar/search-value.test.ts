// FHIR search escaping: "\," "\|" "\$" "\\" are literal; separators split only where unescaped.
import t from 'tap';
import { searchAlternatives, splitEscaped, unescapeSearchValue } from '../../src/grammar/search-value.js';

t.test('splitEscaped splits on unescaped separators and keeps the escapes', async (t) => {
  t.same(splitEscaped('a,b,c', ','), ['a', 'b', 'c']);
  t.same(splitEscaped('a\\,b,c', ','), ['a\\,b', 'c']);
  t.same(splitEscaped('a\\\\,b', ','), ['a\\\\', 'b'], 'an escaped backslash does not escape the comma after it');
  t.same(splitEscaped('sys|code', '|'), ['sys', 'code']);
  t.same(splitEscaped('s\\|ys|co\\|de', '|'), ['s\\|ys', 'co\\|de']);
  t.same(splitEscaped('a$b', '$'), ['a', 'b']);
  t.same(splitEscaped('a\\$b', '$'), ['a\\$b']);
  t.same(splitEscaped('a|b,c', ','), ['a|b', 'c'], 'only the separator asked for');
  t.same(splitEscaped('', ','), ['']);
  t.same(splitEscaped(',', ','), ['', '']);
  t.same(splitEscaped('a,', ','), ['a', '']);
  t.same(splitEscaped('a\\', ','), ['a\\'], 'a trailing backslash is kept');
  t.same(splitEscaped('a\\x,b', ','), ['a\\x', 'b'], 'a backslash before another character is kept with it');
});

t.test('unescapeSearchValue removes the four escapes, and only them', async (t) => {
  t.equal(unescapeSearchValue('a\\,b\\|c\\$d\\\\e'), 'a,b|c$d\\e');
  t.equal(unescapeSearchValue('a\\xb'), 'a\\xb');
  t.equal(unescapeSearchValue('\\\\,'), '\\,', 'one pass: an unescaped backslash does not escape again');
  t.equal(unescapeSearchValue('plain'), 'plain');
});

t.test('a token read by splitting twice then unescaping', async (t) => {
  const [one, two] = splitEscaped('http://s\\|x|a\\,b,c', ',');
  t.same(splitEscaped(one, '|').map(unescapeSearchValue), ['http://s|x', 'a,b']);
  t.same(splitEscaped(two, '|').map(unescapeSearchValue), ['c']);
});

t.test('searchAlternatives: the unescaped alternatives of one occurrence', async (t) => {
  t.same(searchAlternatives('a,b\\,c'), ['a', 'b,c']);
  t.same(searchAlternatives('x\\|y'), ['x|y']);
  t.same(searchAlternatives(''), ['']);
});
