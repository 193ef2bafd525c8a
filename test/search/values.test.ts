// Value normalisation shared by extraction and search: dates with precision and zones, numbers
// with significant figures, accent folding.
import t from 'tap';
import { dateRange } from '../../src/store/search/types/date.js';
import { numberRange } from '../../src/store/search/types/number.js';
import { normalizeString } from '../../src/store/search/types/string.js';

const iso = (r: { low: number; high: number } | undefined) => r && [new Date(r.low).toISOString(), new Date(r.high).toISOString()];

t.test('dateRange covers the precision of the value', async (t) => {
  t.same(iso(dateRange('2026', 'UTC')), ['2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
  t.same(iso(dateRange('2026-02', 'UTC')), ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
  t.same(iso(dateRange('2026-12-31', 'UTC')), ['2026-12-31T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
  t.same(iso(dateRange('2026-03-05T10:00Z', 'UTC')), ['2026-03-05T10:00:00.000Z', '2026-03-05T10:01:00.000Z']);
  t.same(iso(dateRange('2026-03-05T10:00:00.5+02:00', 'UTC')), ['2026-03-05T08:00:00.500Z', '2026-03-05T08:00:00.600Z']);
  t.equal(dateRange('2026-02-29', 'UTC'), undefined, 'no such day');
  t.equal(dateRange('2026-13', 'UTC'), undefined);
  t.equal(dateRange('yesterday', 'UTC'), undefined);
});

t.test('dateRange reads zone-less values in the given zone, across daylight saving changes', async (t) => {
  t.same(iso(dateRange('2026-03-08', 'America/New_York')), ['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'], 'a 23-hour day');
  t.same(iso(dateRange('2026-11-01', 'America/New_York')), ['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z'], 'a 25-hour day');
  t.same(iso(dateRange('2026-07-01T09:30', 'Europe/Berlin')), ['2026-07-01T07:30:00.000Z', '2026-07-01T07:31:00.000Z']);
});

t.test('numberRange: half a unit of the last significant digit', async (t) => {
  t.match(numberRange('100'), { value: '100', low: '99.5', high: '100.5' });
  t.match(numberRange('100.00'), { low: '99.995', high: '100.005' });
  t.match(numberRange('1e2'), { value: '100', low: '50', high: '150' }, 'one significant figure');
  t.match(numberRange('-0.5'), { low: '-0.55', high: '-0.45' });
  t.equal(numberRange('1,5'), undefined);
  t.equal(numberRange('abc'), undefined);
});

t.test('normalizeString folds case, accents and spaces', async (t) => {
  t.equal(normalizeString('  Ána   MUÑOZ '), 'ana munoz');
  t.equal(normalizeString('Ærøskøbing'), 'ærøskøbing', 'letters that are not accented forms stay');
});
