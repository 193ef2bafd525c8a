/// <reference lib="dom" />
// The care-team dashboard in a real headless Chromium against a listening Haven with the demo
// data: a Practitioner sees exactly their care teams' patients, each chart is drawn with the
// stored values (checked in the chart's data attributes, not by pixels), an alert is resolved
// through FHIR and disappears, audited as theirs; a Practitioner outside a patient's care team sees
// nothing of that patient; axe-core finds no serious violations; no CSP violation, no PHI in the
// URL, nothing stored but fhirclient's sessionStorage. Screenshots go to .tap/artefacts/.
import t from 'tap';
import type { Page } from 'puppeteer-core';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { axeViolations, chartData, dashboardHaven, signInWithSmart, signInWithToken, watchCsp } from './dashboard-helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const haven = await dashboardHaven(t);
const { demo, send, url } = haven;
const browser = await launchBrowser(t);

async function records(patientId: string, kind: string): Promise<Json[]> {
  const answer = await send('GET', `/api/v1/patients/${patientId}/${kind}?limit=200`);
  if (answer.status !== 200) throw new Error(`${kind}: ${answer.status}`);
  return answer.json.records;
}
const byTime = (field: string) => (a: Json, b: Json) => Date.parse(a[field]) - Date.parse(b[field]);

async function newPage(): Promise<{ page: Page; cspViolations: () => Promise<string[]> }> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1024, height: 1366 }); // a tablet, portrait
  const cspViolations = await watchCsp(page);
  return { page, cspViolations };
}

async function listedPatients(page: Page): Promise<string[]> {
  await page.waitForSelector('#patient-list, #no-patients');
  return page.$$eval('#patient-list tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.patientId as string));
}

async function openPatient(page: Page, id: string, windowKey = '90'): Promise<void> {
  await page.evaluate((hash) => (window.location.hash = hash), `#/patient/${id}?window=${windowKey}`);
  await page.waitForSelector(`h1[data-patient-id="${id}"]`, { timeout: 30_000 });
}

t.test('the app is served with a strict Content-Security-Policy and needs no token to load', async (t) => {
  const res = await fetch(`${url}/app/`);
  t.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy') ?? '';
  t.match(csp, /default-src 'none'/);
  t.match(csp, /script-src 'self'(;|$)/);
  t.notMatch(csp, /unsafe-inline|unsafe-eval/);
  t.match(csp, /frame-ancestors 'none'/);
  t.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const config = await (await fetch(`${url}/app/config.json`)).json();
  t.same(config, { fhirBaseUrl: `${url}/fhir`, apiBaseUrl: `${url}/api/v1`, clientId: 'haven-dashboard', redirectUri: `${url}/app/` });
  t.equal((await fetch(`${url}/app/..%2Fpackage.json`)).status, 404, 'only the built files are served');
  t.equal((await fetch(`${url}/app/nothing.js`)).status, 404);
});

t.test("a therapist sees exactly her care teams' patients, each chart with the stored values, and resolves an alert", async (t) => {
  const { page, cspViolations } = await newPage();
  const { therapist } = demo.practitioners;
  await signInWithSmart(page, `${url}/app/`, therapist.username);
  t.match(await page.$eval('#signed-in-name', (el) => el.textContent), /Maya Chen/, 'signed in through SMART App Launch, her name read with her token');

  t.same((await listedPatients(page)).sort(), [demo.patients.alex, demo.patients.jordan].sort(), 'Alex and Jordan, not Priya');
  const listText = await page.$eval('#patient-list', (el) => (el as HTMLElement).innerText);
  t.notMatch(listText, /Priya/);
  const attention = await page.$$eval('#patient-list tbody tr', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.attention)));
  t.same(
    attention,
    [...attention].sort((a, b) => b - a),
    'sorted by what needs attention first',
  );
  const alexRow = await page.$eval(`tr[data-patient-id="${demo.patients.alex}"]`, (el) => (el as HTMLElement).innerText);
  const alexSummary = (await send('GET', `/api/v1/patients/${demo.patients.alex}/summary?days=30`)).json;
  t.match(alexRow, `${alexSummary.assessments.phq9.score} (${alexSummary.assessments.phq9.severity.replace(/-/g, ' ')})`, 'latest PHQ-9 with severity');
  t.match(alexRow, `${alexSummary.assessments.gad7.score} (`, 'latest GAD-7');
  t.match(alexRow, `⚠ ${alexSummary.riskFlags.length}`, 'open alerts');
  await screenshot(page, 'dashboard-patient-list');

  // Alex: scores and mood.
  await openPatient(page, demo.patients.alex);
  const assessments = (await records(demo.patients.alex, 'assessments')).sort(byTime('takenAt'));
  const phq = assessments.filter((a) => a.type === 'PHQ-9');
  const gad = assessments.filter((a) => a.type === 'GAD-7');
  const phqChart = await chartData(page, 'phq9');
  t.ok(phqChart.drawn, 'PHQ-9 drawn on a canvas');
  t.same(
    phqChart.series['PHQ-9 score'],
    phq.map((a) => a.score),
    'PHQ-9 scores in time order',
  );
  t.same(phqChart.bands, ['none–minimal', 'mild', 'moderate', 'moderately severe', 'severe'], 'PHQ-9 severity bands');
  t.equal(phqChart.markers, phq.filter((a) => a.responses[8] > 0).length, 'item-9 answers marked');
  t.ok(phqChart.markers >= 1, 'the demo has an item-9 answer');
  const gadChart = await chartData(page, 'gad7');
  t.same(
    gadChart.series['GAD-7 score'],
    gad.map((a) => a.score),
  );
  t.same(gadChart.bands, ['minimal', 'mild', 'moderate', 'severe']);
  const mood = (await records(demo.patients.alex, 'mood-entries')).sort(byTime('recordedAt'));
  const moodChart = await chartData(page, 'mood');
  t.same(
    moodChart.series.Mood,
    mood.map((m) => m.overallMood),
    'every mood entry',
  );
  t.equal(moodChart.series['7-day average'].length, mood.length, 'with a 7-day average');
  const last = mood[mood.length - 1];
  const lastDay = Date.parse(last.recordedAt.slice(0, 10));
  const dailyMeans = new Map<string, number[]>();
  for (const m of mood)
    if (Date.parse(m.recordedAt.slice(0, 10)) > lastDay - 7 * 86_400_000)
      dailyMeans.set(m.recordedAt.slice(0, 10), [...(dailyMeans.get(m.recordedAt.slice(0, 10)) ?? []), m.overallMood]);
  const means = [...dailyMeans.values()].map((v) => v.reduce((s, x) => s + x, 0) / v.length);
  t.equal(
    moodChart.series['7-day average'].at(-1),
    Math.round((means.reduce((s, x) => s + x, 0) / means.length) * 100) / 100,
    'the 7-day average of daily means',
  );
  const phqTable = await page.$$eval('#chart-phq9 tbody tr', (rows) => rows.map((r) => (r as HTMLElement).innerText));
  t.equal(phqTable.length, phq.length, 'the values also as a table');
  const goals = await page.$eval('#goals', (el) => Number((el as HTMLElement).dataset.goals));
  t.equal(goals, 3, 'the care plan goals');
  t.match(await page.$eval('#goals', (el) => (el as HTMLElement).innerText), /completed[\s\S]*Sleep diary/i, 'with their status');
  await screenshot(page, 'dashboard-alex');

  // Jordan: vitals with thresholds, adherence per medication by day.
  await openPatient(page, demo.patients.jordan);
  const vitals = (await records(demo.patients.jordan, 'vitals')).sort(byTime('recordedAt'));
  const bp = await chartData(page, 'bp');
  t.same(
    bp.series.Systolic,
    vitals.map((v) => v.systolicBP),
    'systolic',
  );
  t.same(
    bp.series.Diastolic,
    vitals.map((v) => v.diastolicBP),
    'diastolic',
  );
  t.same(bp.thresholds, [180, 120, 90], 'BP crisis and low limits drawn');
  const hr = await chartData(page, 'heart-rate');
  t.same(
    hr.series['Heart rate'],
    vitals.map((v) => v.heartRate),
  );
  t.same(hr.thresholds, [110, 45], "the care team's own heart-rate limits (a Goal) replace the defaults 120/50");
  const weight = await chartData(page, 'weight');
  t.same(
    weight.series.Weight,
    vitals.map((v) => v.weightLb),
  );
  const spo2 = await chartData(page, 'spo2');
  t.same(
    spo2.series.SpO2,
    vitals.map((v) => v.oxygenSaturation),
  );
  t.same(spo2.thresholds, [92]);
  const medications = await records(demo.patients.jordan, 'medications');
  const grid = await page.$$eval('#chart-adherence tbody tr', (rows) =>
    rows.map((r) => ({
      id: (r as HTMLElement).dataset.medication,
      taken: Number((r as HTMLElement).dataset.taken),
      missed: Number((r as HTMLElement).dataset.missed),
    })),
  );
  t.equal(grid.length, medications.length, 'one row per medication');
  for (const medication of medications) {
    const logs = await records(demo.patients.jordan, `medications/${medication.id}/logs`);
    const row = grid.find((g) => g.id === medication.id);
    t.equal(row?.taken, logs.filter((l) => l.status === 'taken').length, `${medication.name}: taken doses by day`);
    t.equal(row?.missed, logs.filter((l) => l.status !== 'taken').length, `${medication.name}: missed doses by day`);
  }
  t.ok(await page.$('#chart-adherence td.dose-missed'), 'a missed day shown');
  t.equal(await page.$eval('#chart-adherence td.dose-missed', (el) => el.textContent), '✗', 'with a symbol, not colour alone');
  t.equal(await page.$eval('#chart-adherence td.dose-partly-taken', (el) => el.textContent), '◐', 'one of two doses taken');

  // Resolve Jordan's open alert.
  const [flagId] = demo.flags[demo.patients.jordan];
  t.ok(flagId, 'Jordan has an open alert');
  await page.waitForSelector(`li.alert.open[data-flag-id="${flagId}"] button.resolve`);
  await screenshot(page, 'dashboard-jordan');
  await page.click(`li.alert.open[data-flag-id="${flagId}"] button.resolve`);
  await page.waitForSelector(`li.alert.resolved[data-flag-id="${flagId}"]`, { timeout: 20_000 });
  t.equal(await page.$(`li.alert.open[data-flag-id="${flagId}"]`), null, 'gone from the open alerts');
  const flag = (await send('GET', `/fhir/Flag/${flagId}`)).json;
  t.equal(flag.status, 'inactive', 'the Flag is inactive');
  t.ok(flag.period?.end, 'with an end to its period');
  const { rows } = await haven.ctx.db.query<{ fhir_user: string }>(
    "SELECT fhir_user FROM audit_log WHERE entity_type = 'Flag' AND entity_id = $1 AND action = 'U'",
    [flagId],
  );
  t.same(
    rows.map((r) => r.fhir_user),
    [`Practitioner/${therapist.id}`],
    'the update is audited as hers',
  );
  await screenshot(page, 'dashboard-jordan-resolved');

  const violations = await axeViolations(page);
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  t.same(serious, [], 'axe-core: no serious or critical violations on the patient view');
  await page.evaluate((hash) => (window.location.hash = hash), '#/');
  await listedPatients(page);
  t.same(
    (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical'),
    [],
    'nor on the patient list',
  );

  t.same(await cspViolations(), [], 'no Content-Security-Policy violation');
  t.match(page.url(), /\/app\/(#\/(patient\/[A-Za-z0-9.-]+(\?window=\w+)?)?)?$/, 'the URL holds ids at most');
  const storage = await page.evaluate(async () => ({
    local: localStorage.length,
    cookies: document.cookie,
    session: Object.keys(sessionStorage).sort(),
    databases: (await indexedDB.databases()).length,
  }));
  t.equal(storage.local, 0, 'no localStorage');
  t.equal(storage.cookies, '', 'no cookies');
  t.equal(storage.databases, 0, 'no IndexedDB');
  t.ok(storage.session.includes('SMART_KEY'), "only fhirclient's sessionStorage");
  await page.close();
});

t.test("a nurse outside Alex's care team sees nothing of Alex", async (t) => {
  const { page } = await newPage();
  const { nurse } = demo.practitioners;
  await signInWithSmart(page, `${url}/app/`, nurse.username);
  t.same((await listedPatients(page)).sort(), [demo.patients.jordan, demo.patients.priya].sort(), 'Jordan and Priya');
  await page.evaluate((hash) => (window.location.hash = hash), `#/patient/${demo.patients.alex}`);
  await page.waitForSelector('[data-state="not-visible"]', { timeout: 20_000 });
  const text = await page.$eval('#main', (el) => (el as HTMLElement).innerText);
  t.notMatch(text, /Alex|Rivera|PHQ|Sertraline/, 'no name, no scores, no medications');
  t.equal(await page.$('[data-chart]'), null, 'no chart');
  await screenshot(page, 'dashboard-outside-care-team');
  await page.close();
});

t.test('EHR launch: the launch names a patient, and the app opens that patient', async (t) => {
  const { page } = await newPage();
  const admin = await haven.ctx.token('admin');
  const launch = await fetch(`${url}/auth/launch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ patient: demo.patients.jordan }),
  });
  t.equal(launch.status, 201);
  const { launch: value } = (await launch.json()) as { launch: string };
  await signInWithSmart(
    page,
    `${url}/app/launch.html?iss=${encodeURIComponent(`${url}/fhir`)}&launch=${encodeURIComponent(value)}`,
    demo.practitioners.nurse.username,
  );
  await page.waitForSelector(`h1[data-patient-id="${demo.patients.jordan}"]`, { timeout: 30_000 });
  t.ok((await chartData(page, 'bp')).points > 0, "the launch patient's charts");
  t.equal(await page.$('a[href="#/"].back, p.back a'), null, 'no way to a patient list from a launch for one patient');
  await page.close();
});

t.test('the developer sign-in with a token from haven token works as well', async (t) => {
  const { page } = await newPage();
  await signInWithToken(page, url, await haven.tokenFor(demo.practitioners.nurse.id));
  t.same((await listedPatients(page)).sort(), [demo.patients.jordan, demo.patients.priya].sort());
  await page.close();
});
