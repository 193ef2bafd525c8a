// Every kind of bad record input (a field out of range, a wrong type, a missing required field,
// an unknown field, and the rules beyond the schema) is refused with a 400 that names the field.
import t, { type Test } from 'tap';
import { FhirError } from '../../src/errors.js';
import { validateAssessment } from '../../src/mappers/assessment.js';
import { validateCarePlan } from '../../src/mappers/care-plan.js';
import { validateMedicationLog } from '../../src/mappers/medication-log.js';
import { validateMedication } from '../../src/mappers/medication.js';
import { validateMoodEntry } from '../../src/mappers/mood-entry.js';
import { validateVitals } from '../../src/mappers/vitals.js';

const now = new Date('2024-06-01T12:00:00Z');
const validators: Record<string, (input: unknown) => unknown> = {
  'mood entry': validateMoodEntry,
  vitals: validateVitals,
  medication: validateMedication,
  'medication log': validateMedicationLog,
  assessment: (input) => validateAssessment(input, now),
  'care plan': validateCarePlan,
};

const good: Record<string, Record<string, unknown>> = {
  'mood entry': { recordedAt: '2024-05-01T08:30:00Z', overallMood: 6 },
  vitals: { recordedAt: '2024-05-01T08:30:00Z', heartRate: 70 },
  medication: { name: 'Sertraline' },
  'medication log': { takenAt: '2024-05-01T08:30:00Z' },
  assessment: { type: 'PHQ-9', responses: [0, 0, 0, 0, 0, 0, 0, 0, 0] },
  'care plan': { title: 'Plan', goals: [{ description: 'g' }], activities: [{ description: 'a' }] },
};

/** Expects a 400 naming `field` in an issue's expression and in its text. */
function rejects(t: Test, kind: string, change: Record<string, unknown>, field: string, why: RegExp, remove: string[] = []): void {
  const input: Record<string, unknown> = { ...good[kind], ...change };
  for (const name of remove) delete input[name];
  try {
    validators[kind](input);
    t.fail(`${kind} ${JSON.stringify(change)} was accepted`);
  } catch (error) {
    t.type(error, FhirError);
    const { status, issues, code } = error as FhirError;
    t.equal(status, 400, `${kind}: ${field} answers 400`);
    t.equal(code, 'invalid-record');
    const issue = issues.find((i) => i.expression?.includes(field));
    t.ok(issue, `${kind}: an issue names ${field} (got ${JSON.stringify(issues)})`);
    // CONTRACT.md and docs/api.md: the answer names the field and says what is wrong in diagnostics.
    t.ok(issue?.diagnostics.includes(field), 'the text names the field');
    t.match(issue?.diagnostics, why);
  }
}

t.test('every record kind accepts its minimal good input', async (t) => {
  for (const [kind, validate] of Object.entries(validators)) t.doesNotThrow(() => validate(good[kind]), kind);
});

t.test('a missing required field', async (t) => {
  rejects(t, 'mood entry', {}, 'recordedAt', /required/, ['recordedAt']);
  rejects(t, 'mood entry', {}, 'overallMood', /required/, ['overallMood']);
  rejects(t, 'vitals', {}, 'recordedAt', /required/, ['recordedAt']);
  rejects(t, 'medication', {}, 'name', /required/, ['name']);
  rejects(t, 'medication log', {}, 'takenAt', /required/, ['takenAt']);
  rejects(t, 'assessment', {}, 'type', /required/, ['type']);
  rejects(t, 'assessment', {}, 'responses', /required/, ['responses']);
  rejects(t, 'care plan', {}, 'title', /required/, ['title']);
  rejects(t, 'care plan', { goals: [{ targetDate: '2024-06-01' }] }, 'goals[0].description', /required/);
  rejects(t, 'care plan', { activities: [{ description: 'a' }, { schedule: 'daily' }] }, 'activities[1].description', /required/);
  rejects(t, 'mood entry', { overallMood: null }, 'overallMood', /required/);
});

t.test('a field out of range', async (t) => {
  rejects(t, 'mood entry', { overallMood: 11 }, 'overallMood', /between 1 and 10/);
  rejects(t, 'mood entry', { overallMood: 0 }, 'overallMood', /between 1 and 10/);
  rejects(t, 'mood entry', { stressLevel: 12 }, 'stressLevel', /between 1 and 10/);
  rejects(t, 'mood entry', { sleepHours: 25 }, 'sleepHours', /between 0 and 24/);
  rejects(t, 'mood entry', { sleepHours: -1 }, 'sleepHours', /between 0 and 24/);
  rejects(t, 'vitals', { heartRate: 400 }, 'heartRate', /between/);
  rejects(t, 'vitals', { oxygenSaturation: 101 }, 'oxygenSaturation', /between/);
  rejects(t, 'vitals', { temperatureF: 37 }, 'temperatureF', /between/);
  rejects(t, 'assessment', { responses: [0, 0, 4, 0, 0, 0, 0, 0, 0] }, 'responses[2]', /between 0 and 3/);
  rejects(t, 'assessment', { difficulty: 4 }, 'difficulty', /between 0 and 3/);
  rejects(t, 'mood entry', { notes: 'x'.repeat(10001) }, 'notes', /at most 10000 characters/);
});

t.test('a wrong type or format', async (t) => {
  rejects(t, 'mood entry', { overallMood: '7' }, 'overallMood', /whole number/);
  rejects(t, 'mood entry', { overallMood: 6.5 }, 'overallMood', /whole number/);
  rejects(t, 'mood entry', { feelings: 'happy' }, 'feelings', /list/);
  rejects(t, 'mood entry', { feelings: ['ok', 3] }, 'feelings[1]', /text/);
  rejects(t, 'mood entry', { notes: '   ' }, 'notes', /not blank/);
  rejects(t, 'mood entry', { recordedAt: '2024-05-01' }, 'recordedAt', /time zone/);
  rejects(t, 'mood entry', { recordedAt: '2024-05-01T08:30Z' }, 'recordedAt', /seconds/);
  rejects(t, 'mood entry', { recordedAt: '2023-02-29T08:30:00Z' }, 'recordedAt', /date and time/);
  rejects(t, 'vitals', { weightLb: 'heavy' }, 'weightLb', /number/);
  rejects(t, 'medication', { active: 'yes' }, 'active', /true or false/);
  rejects(t, 'medication', { rxnorm: 'RX-1' }, 'rxnorm', /digits only/);
  rejects(t, 'medication', { startDate: '2024-13-01' }, 'startDate', /calendar date/);
  rejects(t, 'medication log', { status: 'forgot' }, 'status', /one of "taken", "missed", "skipped"/);
  rejects(t, 'assessment', { type: 'PHQ-8' }, 'type', /one of "PHQ-9", "GAD-7"/);
  rejects(t, 'care plan', { status: 'done' }, 'status', /one of/);
  rejects(t, 'care plan', { activities: [{ description: 'a', status: 'done' }] }, 'activities[0].status', /one of/);
  rejects(t, 'care plan', { goals: [{ description: 'g', targetDate: 'soon' }] }, 'goals[0].targetDate', /calendar date/);
});

t.test('an unknown field, at the top or inside a goal', async (t) => {
  rejects(t, 'mood entry', { mood: 5 }, 'mood', /not a field/);
  rejects(t, 'vitals', { bloodSugar: 5 }, 'bloodSugar', /not a field/);
  rejects(t, 'care plan', { goals: [{ description: 'g', priority: 'high' }] }, 'goals[0].priority', /not a field/);
  rejects(t, 'medication log', { score: 3 }, 'score', /not a field/);
});

t.test('the rules beyond the schema', async (t) => {
  rejects(t, 'vitals', { systolicBP: 120 }, 'diastolicBP', /both/);
  rejects(t, 'vitals', { diastolicBP: 80 }, 'systolicBP', /both/);
  rejects(t, 'vitals', { systolicBP: 80, diastolicBP: 90 }, 'diastolicBP', /lower than systolicBP/);
  rejects(t, 'vitals', {}, 'heartRate', /at least one measurement/, ['heartRate']);
  rejects(t, 'assessment', { type: 'GAD-7' }, 'responses', /7 item scores, not 9/);
  rejects(t, 'assessment', { responses: [0, 0, 0] }, 'responses', /9 item scores, not 3/);
  rejects(t, 'medication', { startDate: '2024-05-02', endDate: '2024-05-01' }, 'endDate', /not be before startDate/);
  rejects(t, 'care plan', { start: '2024-05-02T00:00:00Z', end: '2024-05-01' }, 'end', /not be before start/);
});

t.test('all problems are reported at once; a body that is no object is refused', async (t) => {
  try {
    validateMoodEntry({ overallMood: 99, extra: 1 });
    t.fail('accepted');
  } catch (error) {
    const fields = (error as FhirError).issues.flatMap((i) => i.expression);
    t.same(new Set(fields), new Set(['recordedAt', 'overallMood', 'extra']));
  }
  for (const body of [null, [], 'text', 3]) {
    t.throws(
      () => validateMoodEntry(body),
      { status: 400, code: 'malformed-body', issues: [{ severity: 'error', code: 'structure', errorCode: 'malformed-body' }] },
      `${JSON.stringify(body)} is refused`,
    );
  }
});

t.test('null and empty lists mean "not given"; the fields the API answers with are ignored', async (t) => {
  t.strictSame(validateMoodEntry({ ...good['mood entry'], notes: null, feelings: [], id: 'x', fhir: ['Observation/x'] }), good['mood entry']);
  t.strictSame(validateAssessment({ ...good.assessment, score: 0, severity: 'none-minimal', takenAt: '2024-05-01T00:00:00Z' }, now), {
    ...good.assessment,
    takenAt: '2024-05-01T00:00:00Z',
  });
  t.strictSame(validateMedicationLog({ ...good['medication log'], medicationId: 'm' }), { ...good['medication log'], status: 'taken' });
});
