// record -> FHIR -> record gives back the same record, field for field, for every record kind;
// every resource built on the way validates against the R4 schema.
import type { MedicationRequest, Resource } from '@medplum/fhirtypes';
import t, { type Test } from 'tap';
import { createValidator } from '../../src/fhir/validate.js';
import { assessmentFromFhir, assessmentToFhir, validateAssessment } from '../../src/mappers/assessment.js';
import { carePlanFromFhir, carePlanToFhir, validateCarePlan } from '../../src/mappers/care-plan.js';
import { medicationLogFromFhir, medicationLogToFhir, validateMedicationLog } from '../../src/mappers/medication-log.js';
import { medicationFromFhir, medicationToFhir, validateMedication } from '../../src/mappers/medication.js';
import { moodEntryFromFhir, moodEntryToFhir, validateMoodEntry } from '../../src/mappers/mood-entry.js';
import { validateVitals, vitalsFromFhir, vitalsToFhir } from '../../src/mappers/vitals.js';

const validator = createValidator();
const ctx = { patientId: 'pat-1', id: 'rec-1' };
const now = new Date('2024-06-01T12:00:00Z');

function checkValid(t: Test, resources: Resource[]): void {
  for (const resource of resources) t.strictSame(validator.validate(resource), [], `${resource.resourceType}/${resource.id} is valid R4`);
}

/** Strips what the API adds (id, fhir) and checks the fields against the record that went in. */
function checkSame(t: Test, back: { id: string; fhir: string[] } & object, record: object, resources: Resource[], extra: object = {}): void {
  const { id, fhir, ...fields } = back as { id: string; fhir: string[] };
  t.equal(id, resources[0].id, "the record's id is its main resource's id");
  t.strictSame(
    fhir,
    resources.map((r) => `${r.resourceType}/${r.id}`),
    'fhir lists every resource, main first',
  );
  t.strictSame(fields, { ...record, ...extra }, 'every field comes back unchanged');
}

t.test('mood entry: every field', async (t) => {
  const record = validateMoodEntry({
    recordedAt: '2024-05-01T08:30:00.250+02:00',
    overallMood: 7,
    energyLevel: 5,
    anxietyLevel: 3,
    stressLevel: 10,
    sleepHours: 7.25,
    feelings: ['Happy', 'calm', 'hopeful', 'Happy'],
    triggers: ['work deadline', 'a good talk with Sam'],
    notes: 'Slept well.\n\nBusy day — *lots* to do.',
  });
  const resources = moodEntryToFhir(record, ctx);
  checkValid(t, resources);
  checkSame(t, moodEntryFromFhir(resources), record, resources);
  const minimal = validateMoodEntry({ recordedAt: '2024-05-01T08:30:00Z', overallMood: 1 });
  checkSame(t, moodEntryFromFhir(moodEntryToFhir(minimal, ctx)), minimal, moodEntryToFhir(minimal, ctx));
});

t.test('vitals: every field, and each measurement alone', async (t) => {
  const full = validateVitals({
    recordedAt: '2024-05-01T07:00:00Z',
    systolicBP: 128,
    diastolicBP: 82,
    heartRate: 64,
    weightLb: 182.4,
    oxygenSaturation: 97,
    temperatureF: 98.6,
    notes: 'after a short walk',
  });
  const resources = vitalsToFhir(full, ctx);
  t.equal(resources.length, 6, 'a panel and five measurements');
  checkValid(t, resources);
  checkSame(t, vitalsFromFhir(resources), full, resources);
  for (const only of [{ systolicBP: 120, diastolicBP: 80 }, { heartRate: 50 }, { weightLb: 150 }, { oxygenSaturation: 92.5 }, { temperatureF: 101.2 }]) {
    const record = validateVitals({ recordedAt: '2024-05-01T07:00:00Z', ...only });
    const built = vitalsToFhir(record, ctx);
    t.equal(built.length, 2, `${Object.keys(only).join('+')}: a panel and one measurement`);
    checkValid(t, built);
    checkSame(t, vitalsFromFhir(built), record, built);
  }
});

t.test('medication: every field, active or not, and the minimum', async (t) => {
  const full = validateMedication({
    name: 'Sertraline 50 mg oral tablet',
    rxnorm: '312940',
    dosage: '50 mg',
    frequency: 'once daily',
    timeOfDay: '08:00',
    startDate: '2024-01-15',
    endDate: '2099-01-15',
    prescribedBy: 'Dr. Amal Haddad',
    purpose: 'depression',
    instructions: 'Take with food.',
    active: true,
  });
  const resources = medicationToFhir(full, { ...ctx, now });
  checkValid(t, resources);
  checkSame(t, medicationFromFhir(resources), full, resources);

  const stopped = validateMedication({ ...full, active: false, frequency: 'when needed', timeOfDay: 'before bed' });
  checkSame(t, medicationFromFhir(medicationToFhir(stopped, { ...ctx, now })), stopped, medicationToFhir(stopped, { ...ctx, now }));
  const ended = validateMedication({ name: 'Ibuprofen', endDate: '2024-05-31' });
  const endedResources = medicationToFhir(ended, { ...ctx, now });
  t.equal(endedResources[0].status, 'completed', 'an end date in the past completes the request');
  checkSame(t, medicationFromFhir(endedResources), ended, endedResources);

  const minimal = validateMedication({ name: 'Vitamin D' });
  t.equal(minimal.active, true, 'active defaults to true');
  checkSame(t, medicationFromFhir(medicationToFhir(minimal, { ...ctx, now })), minimal, medicationToFhir(minimal, { ...ctx, now }));
});

t.test('medication log: taken with a quantity, missed with a text dosage, skipped', async (t) => {
  const [medication] = medicationToFhir(validateMedication({ name: 'Sertraline', rxnorm: '312940' }), { ...ctx, id: 'med-1', now });
  const logCtx = { ...ctx, medication: medication as MedicationRequest };
  for (const input of [
    { takenAt: '2024-05-01T08:05:00Z', status: 'taken', dosageTaken: '50 mg', notes: 'with breakfast' },
    { takenAt: '2024-05-01T08:05:00Z', status: 'taken', dosageTaken: '1 tablet' },
    { takenAt: '2024-05-02T08:00:00Z', status: 'missed', dosageTaken: 'half a tablet', notes: 'Dosage taken: forgot' },
    { takenAt: '2024-05-03T08:00:00Z', status: 'skipped', dosageTaken: '10.0 mg' },
    { takenAt: '2024-05-04T08:00:00Z' },
  ]) {
    const record = validateMedicationLog(input);
    const resources = medicationLogToFhir(record, logCtx);
    checkValid(t, resources);
    checkSame(t, medicationLogFromFhir(resources), record, resources, { medicationId: 'med-1' });
  }
});

t.test('assessment: PHQ-9 and GAD-7 with every field', async (t) => {
  const cases = [
    { input: { type: 'PHQ-9', responses: [3, 2, 1, 0, 3, 2, 1, 0, 1], difficulty: 2, takenAt: '2024-05-01T09:00:00-05:00' }, score: 13, severity: 'moderate' },
    { input: { type: 'GAD-7', responses: [0, 2, 1, 3, 0, 2, 1], difficulty: 3, takenAt: '2024-05-01T09:00:00Z' }, score: 9, severity: 'mild' },
    { input: { type: 'GAD-7', responses: [0, 0, 0, 0, 0, 0, 0], takenAt: '2024-05-01T09:00:00Z' }, score: 0, severity: 'minimal' },
  ];
  for (const { input, score, severity } of cases) {
    const record = validateAssessment(input, now);
    const resources = assessmentToFhir(record, { ...ctx, now, careTeamIds: ['team-1'] });
    checkValid(t, resources);
    checkSame(t, assessmentFromFhir(resources), record, resources, { score, severity });
  }
  const untimed = validateAssessment({ type: 'GAD-7', responses: [1, 1, 1, 1, 1, 1, 1] }, now);
  t.equal(untimed.takenAt, now.toISOString(), 'takenAt defaults to now');
});

t.test('care plan: every field, goals and activities in order, and the minimum', async (t) => {
  const full = validateCarePlan({
    title: 'Cardiac rehab, phase II',
    description: 'Twelve weeks of supervised exercise and mood follow-up.',
    status: 'on-hold',
    start: '2024-05-01',
    end: '2024-07-24T17:00:00Z',
    goals: [{ description: 'Walk 30 minutes a day', targetDate: '2024-06-01', status: 'accepted' }, { description: 'PHQ-9 below 5' }],
    activities: [{ description: 'Supervised exercise', schedule: 'Mon, Wed, Fri 10:00', status: 'scheduled' }, { description: 'Mood diary' }],
  });
  t.equal(full.goals?.[1].status, 'active', 'a goal status defaults to active');
  t.equal(full.activities?.[1].status, 'not-started', 'an activity status defaults to not-started');
  const resources = carePlanToFhir(full, ctx);
  t.equal(resources.length, 3, 'a CarePlan and a Goal per goal');
  checkValid(t, resources);
  checkSame(t, carePlanFromFhir(resources), full, resources);
  const minimal = validateCarePlan({ title: 'Sleep' });
  t.equal(minimal.status, 'active', 'status defaults to active');
  checkSame(t, carePlanFromFhir(carePlanToFhir(minimal, ctx)), minimal, carePlanToFhir(minimal, ctx));
});
