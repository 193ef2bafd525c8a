// `haven import --format pmaction`: a PMAction phase-1 export (its local-storage JSON) as app
// records of one Patient: check-ins, journal entries of each kind, PHQ-9 and GAD-7 results (scored
// by Haven, the item-9 Flag raised), refusals with reasons, what is left out, an idempotent second
// run, --dry-run, and the --patient checks of the command.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { importPmaction } from '../../src/bulk/import/pmaction/run.js';
import { packageRoot } from '../../src/paths.js';
import { testApp } from '../helpers/app.js';
import { apiClient, createPatients, versionCount } from '../api/helpers.js';

const run = promisify(execFile);
const quiet = { write: () => true, isTTY: false };
const SYSTEM = 'https://haven-fhir.org/fhir/sid/pmaction-entry';

function tmp(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'haven-pmaction-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** What the phase-1 app's app.data holds after a few weeks (ids are its Date.now() values). */
function phaseOneExport() {
  return {
    userName: 'Sam',
    checkIns: [
      { id: 1736496000001, timestamp: '2025-01-10T08:00:00.000Z', feeling: 'Sad', subcategory: 'Lonely', notes: 'Missed my sister today' },
      // A check-in that carries a 1-10 rating (not phase 1's own form) is a mood entry.
      { id: 1736582400002, timestamp: '2025-01-11T08:00:00.000Z', feeling: 'Happy', subcategory: 'Proud', notes: '', overallMood: 8 },
    ],
    habits: [
      { id: 1, name: 'Morning Meditation', icon: '🧘', completed: false, streak: 0 },
      { id: 2, name: 'Gratitude Journal', icon: '📝', completed: true, streak: 3 },
      { id: 3, name: 'Exercise', icon: '💪', completed: false, streak: 0 },
    ],
    topics: [{ id: 1736668800003, timestamp: '2025-01-12T08:00:00.000Z', title: 'Weekend plans', with: 'Partner', tags: ['#Schedule'], notes: '' }],
    programs: [{ id: 'anxiety-30', title: '30 days', currentDay: 2 }],
    appreciations: [{ id: 1736755200004, timestamp: '2025-01-13T08:00:00.000Z', text: 'I appreciate my neighbour' }],
    accomplishments: [{ id: 1736841600005, timestamp: '2025-01-14T08:00:00.000Z', icon: '🚶', type: 'Went for a walk', details: '40 minutes by the river' }],
    boundaries: [
      {
        id: 1736928000006,
        timestamp: '2025-01-15T08:00:00.000Z',
        description: 'I said no to working late',
        person: 'My manager',
        outcome: 'He accepted it',
        rating: 4,
      },
    ],
    quotes: [{ id: 1737014400007, timestamp: '2025-01-16T08:00:00.000Z', text: 'Still I rise.', author: 'Maya Angelou' }],
    history: [
      // PHQ-9 with item 9 (the last) at 2: total 10, moderate, and the suicide-risk Flag.
      {
        id: 1737100800008,
        screeningId: 'depression-phq9',
        title: 'Depression',
        answers: [1, 1, 1, 1, 1, 1, 1, 1, 2],
        score: 10,
        date: '2025-01-17T08:00:00.000Z',
        type: 'simple',
      },
      { id: 1737187200009, type: 'GAD-7', answers: { 0: 2, 1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2 }, timestamp: '2025-01-18T08:00:00.000Z' },
      { id: 1737273600010, screeningId: 'depression-phq9', answers: [1, 2, 3], date: '2025-01-19T08:00:00.000Z' },
      { id: 1737360000011, screeningId: 'ptsd-pcl5', score: 5, date: '2025-01-20T08:00:00.000Z' },
      { id: 1737446400012, screeningId: 'anxiety-gad7', score: 12, level: 'Moderate Anxiety', date: '2025-01-21T08:00:00.000Z', type: 'simple' },
    ],
    currentFeeling: null,
    currentSubcategory: null,
  };
}

/** A test app with the Patient, and the phase-1 export written to a folder of the test's own. */
async function setUp(t: Parameters<typeof testApp>[0], patientId: string) {
  const app = await testApp(t);
  await createPatients(app, patientId);
  const dir = tmp(t);
  const file = path.join(dir, 'pmaction-data.json');
  writeFileSync(file, JSON.stringify(phaseOneExport()));
  return { app, dir, file };
}

const decode = (document: { content: Array<{ attachment: { data: string } }> }) => Buffer.from(document.content[0].attachment.data, 'base64').toString('utf8');

t.test('a phase-1 export becomes the records of the Patient', async (t) => {
  const { app, dir, file } = await setUp(t, 'pma-1');
  const api = apiClient(app);
  const report = path.join(dir, 'report.ndjson');
  const options = { patientId: 'pma-1', reportPath: report, progressOut: quiet };

  const summary = await importPmaction(file, app.services, options);
  t.same(summary.stored, { 'mood entry': 1, 'journal entry': 5, assessment: 2 });
  t.equal(summary.refused, 3);
  t.same(
    summary.notImported.map((n) => [n.key, n.count]),
    [
      ['userName', 1],
      ['habits', 3],
      ['topics', 1],
      ['programs', 1],
    ],
    'habits, topics, programs and the name counted, with reasons',
  );
  t.ok(summary.notImported.every((n) => n.reason.length > 0));

  const refusals = readFileSync(report, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.match(refusals, [
    { file, section: 'history', index: 2, pmactionId: '1737273600010', status: 400, reason: /responses of a PHQ-9 must be 9 item scores, not 3/ },
    { file, section: 'history', index: 3, pmactionId: '1737360000011', status: 400, reason: /Unknown instrument "ptsd-pcl5"/ },
    { file, section: 'history', index: 4, pmactionId: '1737446400012', status: 400, reason: /no item answers \(only its total, 12\)/ },
  ]);

  // The mood entry, as the API answers it, and its Observation with the PMAction identifier.
  const moods = (await api('GET', 'pma-1/mood-entries')).json;
  t.equal(moods.count, 1);
  t.match(moods.records[0], { recordedAt: '2025-01-11T08:00:00.000Z', overallMood: 8, feelings: ['Happy', 'Proud'] });
  t.notOk('notes' in moods.records[0], 'a blank note is no note');
  const observation = (await app.fhir('GET', `Observation/${moods.records[0].id}`)).json;
  t.same(observation.identifier, [{ system: SYSTEM, value: 'checkIns/1736582400002' }]);
  t.match(observation.component, [{ valueCodeableConcept: { coding: [{ code: 'happy' }], text: 'Happy' } }, { valueCodeableConcept: { text: 'Proud' } }]);

  // Assessments: scored by Haven's mappers, the PHQ-9's item 9 raising the Flag.
  const scored = (await api('GET', 'pma-1/assessments')).json.records;
  t.match(
    scored.map((a: { type: string; score: number; severity: string; responses: number[] }) => [a.type, a.score, a.severity, a.responses.length]),
    [
      ['GAD-7', 14, 'moderate', 7],
      ['PHQ-9', 10, 'moderate', 9],
    ],
  );
  const responses = (await app.fhir('GET', 'QuestionnaireResponse?subject=Patient/pma-1')).json.entry.map((e: { resource: unknown }) => e.resource);
  t.equal(responses.length, 2);
  t.same(responses.map((r: { identifier: { value: string } }) => r.identifier.value).sort(), ['history/1737100800008', 'history/1737187200009']);
  const totals = (await app.fhir('GET', 'Observation?subject=Patient/pma-1&code=http://loinc.org|44261-6')).json.entry;
  t.equal(totals.length, 1);
  t.equal(totals[0].resource.valueQuantity.value, 10, 'the PHQ-9 total Observation');
  const flags = (await app.fhir('GET', 'Flag?subject=Patient/pma-1')).json.entry ?? [];
  t.equal(flags.length, 1, 'item 9 above 0 raised the suicide-risk Flag');
  t.equal(flags[0].resource.code.coding[0].code, '225444004');

  // Journal entries: DocumentReferences with the confidentiality label and the text the app showed.
  const documents = ((await app.fhir('GET', 'DocumentReference?subject=Patient/pma-1&_count=50')).json.entry ?? []).map(
    (e: { resource: Record<string, never> }) => e.resource,
  );
  t.equal(documents.length, 5);
  for (const d of documents) {
    t.same(d.meta.security, [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R', display: 'restricted' }]);
    t.equal(d.content[0].attachment.contentType, 'text/plain; charset=utf-8');
    t.match(d, { status: 'current', subject: { reference: 'Patient/pma-1' }, author: [{ reference: 'Patient/pma-1' }] });
  }
  const byCategory = Object.fromEntries(documents.map((d: { category: Array<{ text: string }> }) => [d.category[0].text, d]));
  t.same(Object.keys(byCategory).sort(), ['Accomplishment', 'Appreciation', 'Boundary', 'Feelings check-in', 'Quote']);
  t.equal(
    decode(byCategory['Feelings check-in']),
    'Feeling: Sad\nMore specifically: Lonely\nNotes: Missed my sister today',
    'a check-in without a rating keeps all it says',
  );
  t.equal(byCategory['Feelings check-in'].date, '2025-01-10T08:00:00.000Z');
  t.equal(decode(byCategory.Appreciation), 'I appreciate my neighbour');
  t.equal(decode(byCategory.Accomplishment), 'Icon: 🚶\nType: Went for a walk\nDetails: 40 minutes by the river');
  t.equal(decode(byCategory.Boundary), 'Boundary: I said no to working late\nWith whom: My manager\nOutcome: He accepted it\nSuccess rating (1-5): 4');
  t.equal(decode(byCategory.Quote), 'Still I rise.\nAuthor: Maya Angelou');
  t.same(byCategory.Quote.identifier, [{ system: SYSTEM, value: 'quotes/1737014400007' }]);
  const audited = await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'C' AND request_id LIKE 'import-%'`);
  t.ok(audited.rows[0].n >= 8, 'the writes are in the audit trail under the import run');

  t.test('importing the same file again adds nothing', async (t) => {
    const versions = await versionCount(app);
    const again = await importPmaction(file, app.services, options);
    t.same(again.stored, {});
    t.equal(again.unchanged, 8);
    t.equal(again.updated, 0);
    t.equal(again.refused, 3, 'the same refusals');
    t.equal(await versionCount(app), versions, 'no version written');
  });

  t.test('an entry edited in the app since is updated in place', async (t) => {
    const edited = phaseOneExport();
    edited.appreciations[0].text = 'I appreciate my neighbour and her dog';
    edited.history[0].answers = [0, 0, 0, 0, 0, 0, 0, 0, 1];
    edited.history[0].score = 1;
    writeFileSync(file, JSON.stringify(edited));
    const third = await importPmaction(file, app.services, options);
    t.same(third.stored, {});
    t.equal(third.updated, 2);
    t.equal(third.unchanged, 6);
    const appreciation = (await app.fhir('GET', `DocumentReference?identifier=${SYSTEM}|appreciations/1736755200004`)).json.entry;
    t.equal(appreciation.length, 1);
    t.equal(appreciation[0].resource.meta.versionId, '2');
    t.equal(decode(appreciation[0].resource), 'I appreciate my neighbour and her dog');
    const phq = (await api('GET', 'pma-1/assessments')).json.records.find((a: { type: string }) => a.type === 'PHQ-9');
    t.equal(phq.score, 1);
  });

  t.test('a PUT of an imported record through the API keeps its PMAction identifier', async (t) => {
    const id = moods.records[0].id;
    const put = await api('PUT', `pma-1/mood-entries/${id}`, { recordedAt: '2025-01-11T08:00:00.000Z', overallMood: 7 });
    t.equal(put.status, 200);
    t.same((await app.fhir('GET', `Observation/${id}`)).json.identifier, [{ system: SYSTEM, value: 'checkIns/1736582400002' }]);
  });
});

t.test('the export wrapped as { pmaction } or as a localStorage dump of JSON text', async (t) => {
  const app = await testApp(t);
  await createPatients(app, 'pma-w', 'pma-d');
  const dir = tmp(t);
  const checkIn = { id: 1, timestamp: '2025-02-01T10:00:00.000Z', feeling: 'Calm' };
  const data = { checkIns: [checkIn, { ...checkIn, feeling: 'Sad' }], habits: [] };
  writeFileSync(path.join(dir, 'wrapped.json'), JSON.stringify({ pmaction: data }));
  writeFileSync(path.join(dir, 'dump.json'), JSON.stringify({ theme: 'dark', pmactionData: JSON.stringify(data) }));
  for (const [name, patient] of [
    ['wrapped.json', 'pma-w'],
    ['dump.json', 'pma-d'],
  ]) {
    const summary = await importPmaction(path.join(dir, name), app.services, {
      patientId: patient,
      reportPath: path.join(dir, `${name}.report`),
      progressOut: quiet,
    });
    t.same(summary.stored, { 'journal entry': 1 }, name);
    t.equal(summary.refused, 1, `${name}: the second entry with the same id is refused`);
    t.match(readFileSync(path.join(dir, `${name}.report`), 'utf8'), /"index":1,"pmactionId":"1".*Another checkIns entry before it has the id 1/);
    t.same(summary.notImported, [], `${name}: an empty list is nothing left out`);
  }
  const notAnExport = path.join(dir, 'other.json');
  writeFileSync(notAnExport, JSON.stringify({ resourceType: 'Patient' }));
  const summary = await importPmaction(notAnExport, app.services, { patientId: 'pma-w', reportPath: path.join(dir, 'other.report'), progressOut: quiet });
  t.equal(summary.refused, 1);
  t.match(readFileSync(path.join(dir, 'other.report'), 'utf8'), /Not a PMAction export/);
});

t.test('--dry-run validates and stores nothing; an unknown Patient is refused', async (t) => {
  const { app, dir, file } = await setUp(t, 'pma-2');
  const versions = await versionCount(app);
  const summary = await importPmaction(file, app.services, {
    patientId: 'pma-2',
    reportPath: path.join(dir, 'report.ndjson'),
    dryRun: true,
    progressOut: quiet,
  });
  t.same(summary.stored, { 'mood entry': 1, 'journal entry': 5, assessment: 2 });
  t.equal(summary.refused, 3);
  t.equal(await versionCount(app), versions, 'nothing stored');
  t.equal((await app.fhir('GET', 'DocumentReference?subject=Patient/pma-2&_total=accurate&_count=0')).json.total, 0);

  await t.rejects(importPmaction(file, app.services, { patientId: 'nobody', reportPath: path.join(dir, 'r2.ndjson'), progressOut: quiet }), {
    status: 404,
    message: /Patient\/nobody is not known/,
  });
  t.equal(await versionCount(app), versions);
});

t.test('haven import --format pmaction from the command line', async (t) => {
  const { app, dir, file } = await setUp(t, 'pma-cli');
  // PostgreSQL: the command reads the test's own database. PGlite (in memory in the test): an empty
  // DATA_DIR of its own, where no Patient exists.
  const { DATABASE_URL: _inherited, ...parentEnv } = process.env;
  const env = { ...parentEnv, DATA_DIR: path.join(dir, 'data'), ...(app.databaseUrl ? { DATABASE_URL: app.databaseUrl } : {}) };
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'import', ...args], { cwd: packageRoot, env }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  const noPatient = await cli('--format', 'pmaction', file);
  t.equal(noPatient.code, 2);
  t.match(noPatient.stderr, /--format pmaction needs --patient ID/);
  const noFormat = await cli('--patient', 'pma-cli', file);
  t.equal(noFormat.code, 2);
  t.match(noFormat.stderr, /--patient goes with --format pmaction/);
  const unknownFormat = await cli('--format', 'csv', '--patient', 'pma-cli', file);
  t.equal(unknownFormat.code, 2);
  t.match(unknownFormat.stderr, /Unknown --format csv/);

  const unknown = await cli('--format', 'pmaction', '--patient', 'nobody', '--report', path.join(dir, 'r.ndjson'), file);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /--patient nobody: Patient\/nobody is not known/);

  if (!app.databaseUrl) return;
  const dry = await cli('--format', 'pmaction', '--patient', 'pma-cli', '--dry-run', '--report', path.join(dir, 'r.ndjson'), file);
  t.equal(dry.code, 1, 'exit 1: something was refused');
  t.match(dry.stdout, /valid: 8 records \(assessment 2, journal entry 5, mood entry 1\)/);
  t.match(dry.stdout, /refused: 3 \(reasons in/);
  t.match(dry.stdout, /not imported: userName 1 \(.+\); habits 3 \(.+\); topics 1 \(.+\); programs 1/);
  t.match(dry.stderr, /11\/11/, 'progress on stderr');
  t.equal((await app.fhir('GET', 'DocumentReference?subject=Patient/pma-cli&_total=accurate&_count=0')).json.total, 0);
});
