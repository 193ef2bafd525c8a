// Demo patients for the dashboard (`haven demo`, and the dashboard's browser tests): three people
// with months of readings, PHQ-9/GAD-7 responses, medication doses, care plans and care teams.
// Everything is written through Haven's own HTTP API (FHIR and /api/v1), so it is validated,
// indexed, scored and audited exactly like an app's writes, and the PHQ-9 item-9 hook raises its
// Flag. Values come from a seeded generator: the same run gives the same data.

/** Sends one request to Haven (app.inject in-process, or fetch) and returns status and JSON. */
export type Send = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => Promise<{ status: number; json: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface DemoOptions {
  /** How many days of history (default 120). */
  days?: number;
  now?: Date;
}

export interface DemoPerson {
  id: string;
  name: string;
  username: string;
}

export interface DemoResult {
  practitioners: { therapist: DemoPerson; nurse: DemoPerson };
  patients: { alex: string; jordan: string; priya: string };
  careTeams: string[];
  /** The open alerts created or raised, by patient id. */
  flags: Record<string, string[]>;
}

const DAY = 86_400_000;
const ALERT_RULE = 'https://haven-fhir.org/fhir/CodeSystem/alert-rule';

/** mulberry32: small, seeded, good enough for demo noise. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The demo's answers are read field by field where used; a loose type keeps the script short.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function ok(send: Send, method: 'POST' | 'PUT', url: string, body: unknown): Promise<any> {
  const answer = await send(method, url, body);
  if (answer.status >= 300)
    throw new Error(`${method} ${url.split('?')[0]} answered ${answer.status}: ${JSON.stringify(answer.json?.issue ?? answer.json).slice(0, 400)}`);
  return answer.json;
}

/** Item answers (0-3 each) that add up to `score`, with item `fixedIndex` set to `fixedValue`. */
function responsesFor(score: number, items: number, rnd: () => number, fixed?: { index: number; value: number }): number[] {
  const answers = new Array<number>(items).fill(0);
  let left = score;
  if (fixed) {
    answers[fixed.index] = fixed.value;
    left -= fixed.value;
  }
  let guard = 0;
  while (left > 0 && guard++ < 1000) {
    const i = Math.floor(rnd() * items);
    if (fixed && i === fixed.index) continue;
    if (answers[i] < 3) {
      answers[i]++;
      left--;
    }
  }
  return answers;
}

export async function seedDemo(send: Send, options: DemoOptions = {}): Promise<DemoResult> {
  const days = options.days ?? 120;
  const now = options.now ?? new Date();
  const rnd = random(20251203);
  const noise = (spread: number) => (rnd() - 0.5) * 2 * spread;
  /** A time `daysAgo` days back at about `hour` UTC, never after now. */
  const at = (daysAgo: number, hour: number, minute = 0) => {
    const day = new Date(now.getTime() - daysAgo * DAY);
    day.setUTCHours(hour, minute, 0, 0);
    return new Date(Math.min(day.getTime(), now.getTime() - 60_000 * (1 + daysAgo))).toISOString();
  };
  const dateOnly = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY).toISOString().slice(0, 10);

  const practitioner = (given: string, family: string, prefix: string, qualification: string) =>
    ok(send, 'POST', '/fhir/Practitioner', {
      resourceType: 'Practitioner',
      active: true,
      name: [{ given: [given], family, prefix: [prefix], text: `${prefix} ${given} ${family}` }],
      qualification: [{ code: { text: qualification } }],
    });
  const therapist = await practitioner('Maya', 'Chen', 'Dr.', 'Clinical psychologist');
  const nurse = await practitioner('Sam', 'Okafor', 'RN', 'Cardiac rehabilitation nurse');

  const patient = (given: string, family: string, gender: string, birthDate: string) =>
    ok(send, 'POST', '/fhir/Patient', {
      resourceType: 'Patient',
      active: true,
      name: [{ given: [given], family, text: `${given} ${family}` }],
      gender,
      birthDate,
    });
  const alex = await patient('Alex', 'Rivera', 'female', '1988-04-12');
  const jordan = await patient('Jordan', 'Lee', 'male', '1961-09-30');
  const priya = await patient('Priya', 'Nair', 'female', '1955-01-18');

  const careTeam = (name: string, subject: string, members: string[]) =>
    ok(send, 'POST', '/fhir/CareTeam', {
      resourceType: 'CareTeam',
      status: 'active',
      name,
      subject: { reference: `Patient/${subject}` },
      participant: members.map((m) => ({ member: { reference: `Practitioner/${m}` } })),
    });
  // Dr. Chen sees Alex and Jordan; nurse Okafor sees Jordan and Priya, and nothing of Alex.
  const teams = [
    await careTeam('Alex Rivera: outpatient therapy', alex.id, [therapist.id]),
    await careTeam('Jordan Lee: cardiac rehab and therapy', jordan.id, [therapist.id, nurse.id]),
    await careTeam('Priya Nair: cardiac rehab', priya.id, [nurse.id]),
  ];

  const api = (patientId: string, kind: string) => `/api/v1/patients/${patientId}/${kind}`;

  // Alex: depression and anxiety improving under therapy and sertraline, one PHQ-9 with item 9.
  for (let d = days - 1; d >= 0; d -= 14) {
    const progress = 1 - d / days;
    const phq = Math.max(2, Math.round(19 - 12 * progress + noise(1.5)));
    const item9 = d <= 14 && d > 0 ? 1 : 0;
    await ok(send, 'POST', api(alex.id, 'assessments'), {
      type: 'PHQ-9',
      responses: responsesFor(Math.max(phq, item9), 9, rnd, { index: 8, value: item9 }),
      takenAt: at(d, 9),
    });
    const gad = Math.max(1, Math.round(15 - 9 * progress + noise(1.5)));
    await ok(send, 'POST', api(alex.id, 'assessments'), { type: 'GAD-7', responses: responsesFor(Math.min(21, gad), 7, rnd), takenAt: at(d, 9, 10) });
  }
  for (let d = days - 1; d >= 0; d--) {
    const progress = 1 - d / days;
    if (rnd() < 0.15) continue; // some days without an entry
    await ok(send, 'POST', api(alex.id, 'mood-entries'), {
      recordedAt: at(d, 20),
      overallMood: Math.min(10, Math.max(1, Math.round(3 + 4 * progress + noise(1.6)))),
      anxietyLevel: Math.min(10, Math.max(1, Math.round(8 - 4 * progress + noise(1.5)))),
      sleepHours: Math.round((6 + 1.5 * progress + noise(1)) * 10) / 10,
    });
  }
  const sertraline = await ok(send, 'POST', api(alex.id, 'medications'), {
    name: 'Sertraline',
    rxnorm: '312940',
    dosage: '50 mg',
    frequency: 'daily',
    timeOfDay: '08:00',
    startDate: dateOnly(days),
    purpose: 'Depression',
    prescribedBy: 'Dr. Maya Chen',
  });
  for (let d = days - 1; d >= 0; d--) {
    const status = rnd() < 0.12 ? 'missed' : 'taken';
    await ok(send, 'POST', api(alex.id, `medications/${sertraline.id}/logs`), { takenAt: at(d, 8, 15), status });
  }
  await ok(send, 'POST', api(alex.id, 'care-plans'), {
    title: 'Depression: behavioural activation',
    status: 'active',
    start: dateOnly(days),
    goals: [
      { description: 'PHQ-9 below 10 for a month', targetDate: dateOnly(-30), status: 'active' },
      { description: 'Walk 20 minutes on 5 days a week', status: 'active' },
      { description: 'Sleep diary kept for 4 weeks', status: 'completed' },
    ],
    activities: [{ description: 'Weekly CBT session', schedule: 'weekly', status: 'in-progress' }],
  });

  // Jordan: after a heart attack, blood pressure coming down, one crisis reading this week.
  const jordanVitals: string[] = [];
  for (let d = days - 1; d >= 0; d--) {
    const progress = 1 - d / days;
    const crisis = d === 2;
    const vitals = await ok(send, 'POST', api(jordan.id, 'vitals'), {
      recordedAt: at(d, 7, 30),
      systolicBP: crisis ? 184 : Math.round(152 - 24 * progress + noise(6)),
      diastolicBP: crisis ? 112 : Math.round(96 - 14 * progress + noise(4)),
      heartRate: Math.round(78 - 10 * progress + noise(5)),
      weightLb: Math.round((196 - 8 * progress + noise(1)) * 10) / 10,
      oxygenSaturation: Math.round(96 + noise(1.5)),
    });
    if (crisis) jordanVitals.push(`Observation/${vitals.id}`);
  }
  for (let d = days - 1; d >= 0; d -= 28) {
    const phq = Math.max(0, Math.round(9 - 4 * (1 - d / days) + noise(1.5)));
    await ok(send, 'POST', api(jordan.id, 'assessments'), { type: 'PHQ-9', responses: responsesFor(phq, 9, rnd, { index: 8, value: 0 }), takenAt: at(d, 10) });
    await ok(send, 'POST', api(jordan.id, 'assessments'), {
      type: 'GAD-7',
      responses: responsesFor(Math.max(0, Math.round(8 - 3 * (1 - d / days))), 7, rnd),
      takenAt: at(d, 10, 5),
    });
  }
  for (let d = days - 1; d >= 0; d -= 2) {
    await ok(send, 'POST', api(jordan.id, 'mood-entries'), {
      recordedAt: at(d, 19),
      overallMood: Math.min(10, Math.max(1, Math.round(5 + 2 * (1 - d / days) + noise(1.5)))),
    });
  }
  const metoprolol = await ok(send, 'POST', api(jordan.id, 'medications'), {
    name: 'Metoprolol succinate',
    rxnorm: '866427',
    dosage: '25 mg',
    frequency: 'daily',
    timeOfDay: '08:00',
    startDate: dateOnly(days),
    purpose: 'Heart rate and blood pressure',
  });
  const apixaban = await ok(send, 'POST', api(jordan.id, 'medications'), {
    name: 'Apixaban',
    rxnorm: '1364445',
    dosage: '5 mg',
    frequency: 'twice daily',
    timeOfDay: '08:00, 20:00',
    startDate: dateOnly(days),
    purpose: 'Anticoagulation',
  });
  for (let d = days - 1; d >= 0; d--) {
    await ok(send, 'POST', api(jordan.id, `medications/${metoprolol.id}/logs`), { takenAt: at(d, 8, 5), status: rnd() < 0.06 || d === 4 ? 'missed' : 'taken' });
    for (const hour of [8, 20]) {
      if (at(d, hour, 10) > now.toISOString()) continue;
      await ok(send, 'POST', api(jordan.id, `medications/${apixaban.id}/logs`), {
        takenAt: at(d, hour, 10),
        status: hour === 20 && ((d > 40 && d < 46) || d === 3) ? 'missed' : 'taken',
      });
    }
  }
  await ok(send, 'POST', api(jordan.id, 'care-plans'), {
    title: 'Cardiac rehabilitation, phase III',
    status: 'active',
    start: dateOnly(days),
    goals: [
      { description: 'Home blood pressure below 130/80', targetDate: dateOnly(-60), status: 'active' },
      { description: 'Complete 36 supervised exercise sessions', status: 'active' },
      { description: 'Stop smoking', status: 'completed' },
    ],
  });
  // The care team's own heart-rate limits on metoprolol (clinical-alerts.md §1.4).
  await ok(send, 'POST', '/fhir/Goal', {
    resourceType: 'Goal',
    lifecycleStatus: 'active',
    subject: { reference: `Patient/${jordan.id}` },
    expressedBy: { reference: `Practitioner/${nurse.id}` },
    description: { text: 'Resting heart rate 45-110 on metoprolol' },
    target: [
      {
        measure: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        detailRange: {
          low: { value: 45, system: 'http://unitsofmeasure.org', code: '/min' },
          high: { value: 110, system: 'http://unitsofmeasure.org', code: '/min' },
        },
      },
    ],
  });

  // Priya: heart failure, weight and oxygen watched daily.
  for (let d = days - 1; d >= 0; d--) {
    const dip = d === 5;
    await ok(send, 'POST', api(priya.id, 'vitals'), {
      recordedAt: at(d, 8),
      systolicBP: Math.round(124 + noise(8)),
      diastolicBP: Math.round(76 + noise(5)),
      heartRate: Math.round(72 + noise(6)),
      weightLb: Math.round((152 + 2 * Math.sin(d / 9) + noise(0.8)) * 10) / 10,
      oxygenSaturation: dip ? 91 : Math.round(95 + noise(1.4)),
    });
  }
  const furosemide = await ok(send, 'POST', api(priya.id, 'medications'), {
    name: 'Furosemide',
    rxnorm: '310429',
    dosage: '20 mg',
    frequency: 'daily',
    timeOfDay: '08:00',
    startDate: dateOnly(days),
    purpose: 'Fluid',
  });
  for (let d = days - 1; d >= 0; d--) {
    await ok(send, 'POST', api(priya.id, `medications/${furosemide.id}/logs`), { takenAt: at(d, 8, 20), status: d % 9 === 4 ? 'skipped' : 'taken' });
  }
  await ok(send, 'POST', api(priya.id, 'care-plans'), {
    title: 'Heart failure self-care',
    status: 'active',
    start: dateOnly(days),
    goals: [
      { description: 'Weigh every morning and log it', status: 'active' },
      { description: 'Salt below 2 g a day', status: 'active' },
    ],
  });

  // Open alerts. Haven's alert rules raise these from the readings themselves where they run; where
  // no Flag of the rule is open yet (an older Haven), the demo adds one shaped the same way
  // (clinical-alerts.md §4).
  await ensureFlag(
    send,
    jordan.id,
    'bp-crisis',
    '706882009',
    'Hypertensive crisis (disorder)',
    'Home BP 184/112 mmHg: at or above 180/120',
    at(2, 7, 30),
    jordanVitals,
  );
  await ensureFlag(send, priya.id, 'spo2-low', '389087006', 'Hypoxemia (disorder)', 'SpO2 91%: at or below 92%', at(5, 8), []);

  const flags: Record<string, string[]> = {};
  for (const id of [alex.id, jordan.id, priya.id]) {
    const found = await send('GET', `/fhir/Flag?patient=${id}&_count=100`);
    flags[id] = (found.json?.entry ?? [])
      .map((e: { resource: { id: string; status: string } }) => e.resource)
      .filter((f: { status: string }) => f.status === 'active')
      .map((f: { id: string }) => f.id);
  }
  return {
    practitioners: {
      therapist: { id: therapist.id, name: 'Dr. Maya Chen', username: 'maya.chen' },
      nurse: { id: nurse.id, name: 'RN Sam Okafor', username: 'sam.okafor' },
    },
    patients: { alex: alex.id, jordan: jordan.id, priya: priya.id },
    careTeams: teams.map((t) => t.id),
    flags,
  };
}

async function ensureFlag(
  send: Send,
  patientId: string,
  rule: string,
  snomed: string,
  display: string,
  text: string,
  start: string,
  details: string[],
): Promise<void> {
  const found = await send('GET', `/fhir/Flag?patient=${patientId}&_count=100`);
  const open = (found.json?.entry ?? []).some(
    (e: { resource: { status: string; code?: { coding?: Array<{ system?: string; code?: string }> } } }) =>
      e.resource.status === 'active' && (e.resource.code?.coding ?? []).some((c) => c.system === ALERT_RULE && c.code === rule),
  );
  if (open) return;
  await ok(send, 'POST', '/fhir/Flag', {
    resourceType: 'Flag',
    status: 'active',
    ...(details.length
      ? { extension: details.map((reference) => ({ url: 'http://hl7.org/fhir/StructureDefinition/flag-detail', valueReference: { reference } })) }
      : {}),
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'clinical' }] }],
    code: {
      coding: [
        { system: ALERT_RULE, code: rule },
        { system: 'http://snomed.info/sct', code: snomed, display },
      ],
      text,
    },
    subject: { reference: `Patient/${patientId}` },
    period: { start },
    author: { reference: 'Device/haven-alerting' },
  });
}
