// TZ_DEFAULT: search dates and stored dates without a zone are read in the server's zone, so that
// "the 31st" means the user's day, not UTC's.
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { idsOf } from './fixtures.js';

t.test('a zone-less day is the whole day in TZ_DEFAULT', async (t) => {
  const app = await testApp(t, { TZ_DEFAULT: 'America/New_York' });
  const obs = (id: string, effectiveDateTime: string) =>
    app.fhir('PUT', `Observation/${id}`, { resourceType: 'Observation', id, status: 'final', code: { text: 'mood' }, effectiveDateTime });
  await obs('late-evening', '2026-03-31T23:30:00-04:00'); // 03:30Z on April 1st
  await obs('utc-midnight', '2026-04-01T00:00:00Z'); // 20:00 on March 31st in New York
  await obs('diary-day', '2026-04-01'); // a date without a zone: April 1st in New York
  const search = async (q: string) => idsOf((await app.fhir('GET', `Observation?${q}`)).json);
  t.same(await search('date=2026-03-31'), ['late-evening', 'utc-midnight'], "New York's March 31st");
  t.same(await search('date=2026-04-01'), ['diary-day']);
  t.same(await search('date=2026-03-31T12:00Z&date=le2026-04-01T03:59Z'), [], 'explicit zones are honoured');
  t.same(await search('date=ge2026-04-01T00:00'), ['diary-day'], 'a zone-less time too: midnight in New York is 04:00Z');
});
