// PHQ-9 and GAD-7 totals and severity bands at every band edge, PHQ-9 item 9 at 0 and 1, the
// GAD-7 item-2 quirk, and responses on LOINC's forms. Bands and codes are literals from
// CONTRACT.md and clinical-codes.md §1.3, §2.3.
import type { Flag, Observation, QuestionnaireResponse } from '@medplum/fhirtypes';
import t from 'tap';
import { deriveAssessment } from '../../src/mappers/assessment-derivation.js';
import { assessmentFromFhir, assessmentResponse, assessmentToFhir, validateAssessment } from '../../src/mappers/assessment.js';
import { readResponse } from '../../src/mappers/questionnaire-response.js';

const now = new Date('2024-06-01T12:00:00Z');
const ctx = { patientId: 'p', id: 'qr', now, careTeamIds: [] as string[] };

/** Item scores of `items` items adding up to `total`, item 9 (the last) kept at `last`. */
function responsesFor(items: number, total: number, last = 0): number[] {
  const scores = Array<number>(items).fill(0);
  scores[items - 1] = last;
  let left = total - last;
  for (let i = 0; i < items - 1 && left > 0; i++) {
    scores[i] = Math.min(3, left);
    left -= scores[i];
  }
  if (left !== 0) throw new Error(`cannot make ${total}`);
  return scores;
}

function scored(type: 'PHQ-9' | 'GAD-7', responses: number[]) {
  const resources = assessmentToFhir(validateAssessment({ type, responses, takenAt: '2024-05-01T09:00:00Z' }, now), ctx);
  const record = assessmentFromFhir(resources);
  const total = resources.find(
    (r): r is Observation => r.resourceType === 'Observation' && r.code.coding?.[0].code === (type === 'PHQ-9' ? '44261-6' : '70274-6'),
  );
  return { record, total, resources };
}

t.test('PHQ-9 bands at every edge: 0-4 none-minimal, 5-9 mild, 10-14 moderate, 15-19 moderately-severe, 20-27 severe', async (t) => {
  const edges: Array<[number, string]> = [
    [0, 'none-minimal'],
    [4, 'none-minimal'],
    [5, 'mild'],
    [9, 'mild'],
    [10, 'moderate'],
    [14, 'moderate'],
    [15, 'moderately-severe'],
    [19, 'moderately-severe'],
    [20, 'severe'],
    [27, 'severe'],
  ];
  for (const [total, band] of edges) {
    const { record, total: observation } = scored('PHQ-9', responsesFor(9, total, total === 27 ? 3 : 0));
    t.equal(record.score, total, `score ${total}`);
    t.equal(record.severity, band, `${total} is ${band}`);
    t.equal(observation?.valueQuantity?.value, total);
    t.equal(observation?.interpretation?.[0].coding?.[0].code, band, `the total Observation says ${band}`);
  }
});

t.test('GAD-7 bands at every edge: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe', async (t) => {
  const edges: Array<[number, string]> = [
    [0, 'minimal'],
    [4, 'minimal'],
    [5, 'mild'],
    [9, 'mild'],
    [10, 'moderate'],
    [14, 'moderate'],
    [15, 'severe'],
    [21, 'severe'],
  ];
  for (const [total, band] of edges) {
    const { record, total: observation } = scored('GAD-7', responsesFor(7, total, Math.min(3, Math.max(0, total - 18))));
    t.equal(record.score, total, `score ${total}`);
    t.equal(record.severity, band, `${total} is ${band}`);
    t.equal(observation?.interpretation?.[0].coding?.[0].code, band);
  }
});

t.test('PHQ-9 item 9 at 0 raises nothing; at 1 raises the Flag even with a low total', async (t) => {
  const none = scored('PHQ-9', [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  t.notOk(
    none.resources.some((r) => r.resourceType === 'Flag' || r.resourceType === 'Communication'),
    'item 9 at 0: no Flag',
  );
  const one = scored('PHQ-9', [0, 0, 0, 0, 0, 0, 0, 0, 1]);
  t.equal(one.record.score, 1);
  t.equal(one.record.severity, 'none-minimal');
  const flag = one.resources.find((r): r is Flag => r.resourceType === 'Flag');
  t.ok(flag, 'item 9 at 1: a Flag, whatever the total');
  t.equal(flag?.code.coding?.[0].code, '225444004');
  t.ok(one.record.fhir.includes(`Flag/${flag?.id}`), "the Flag is in the record's fhir list");
  t.notOk(
    one.resources.some((r) => r.resourceType === 'Communication'),
    'no care team, no Communication',
  );
  const withTeam = assessmentToFhir(validateAssessment({ type: 'PHQ-9', responses: [0, 0, 0, 0, 0, 0, 0, 0, 3] }, now), { ...ctx, careTeamIds: ['t1'] });
  t.ok(
    withTeam.some((r) => r.resourceType === 'Communication'),
    'with an active care team, a Communication too',
  );
});

t.test('GAD-7 item 2 scores LA18938-3 and LA6570-1 both as 2', async (t) => {
  const response = assessmentResponse(validateAssessment({ type: 'GAD-7', responses: [0, 2, 0, 0, 0, 0, 0] }, now), { patientId: 'p', id: 'qr' });
  const item2 = response.item?.find((i) => i.linkId === '/68509-9');
  t.equal(item2?.answer?.[0].valueCoding?.code, 'LA18938-3');
  t.equal(readResponse(response)?.scores?.[1], 2);
  (item2 as { answer: Array<{ valueCoding: { system: string; code: string } }> }).answer = [{ valueCoding: { system: 'http://loinc.org', code: 'LA6570-1' } }];
  const reading = readResponse(response);
  t.strictSame(reading?.problems, [], 'LA6570-1 is accepted on item 2');
  t.equal(reading?.scores?.[1], 2);
});

t.test("a response on LOINC's form scores like one on Haven's, whatever its linkId convention", async (t) => {
  const haven = assessmentResponse(validateAssessment({ type: 'PHQ-9', responses: [1, 2, 3, 0, 1, 2, 3, 0, 2], takenAt: '2024-05-01T09:00:00Z' }, now), {
    patientId: 'p',
    id: 'qr',
  });
  const numeric = ['14363', '14364', '14365', '14366', '14367', '14368', '14369', '14370', '14371'];
  const codes = ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8'];
  const answers = haven.item?.slice(0, 9).map((i) => i.answer) ?? [];
  const loincForm = (linkIds: string[], wrap: boolean): QuestionnaireResponse => {
    const items = linkIds.map((linkId, i) => ({ linkId, answer: answers[i] }));
    return {
      resourceType: 'QuestionnaireResponse',
      id: 'qr',
      questionnaire: 'http://loinc.org/q/44249-1',
      status: 'completed',
      subject: { reference: 'Patient/p' },
      author: { reference: 'Patient/p' },
      authored: '2024-05-01T09:00:00Z',
      item: [
        ...(wrap ? [{ linkId: 'group', item: items }] : items),
        { linkId: '14372', answer: [{ valueDecimal: 1 }] },
        { linkId: 'something-else', answer: [{ valueString: 'x' }] },
      ],
    };
  };
  const expected = deriveAssessment(haven, readResponse(haven)!, { now: now.toISOString(), careTeamIds: [] });
  for (const [name, response] of [
    ['numeric LOINC item ids, nested in a group', loincForm(numeric, true)],
    [
      '"/<code>" linkIds',
      loincForm(
        codes.map((c) => `/${c}`),
        false,
      ),
    ],
    ['bare code linkIds', loincForm(codes, false)],
  ] as const) {
    const reading = readResponse(response);
    t.strictSame(reading?.problems, [], `${name}: no problems (unknown items and a wrong total are LOINC's form's business)`);
    const derived = deriveAssessment(response, reading!, { now: now.toISOString(), careTeamIds: [] });
    t.strictSame(derived, expected, `${name}: derives exactly what Haven's form derives`);
  }
});

t.test("problems with a response on Haven's form are found and located", async (t) => {
  const response = assessmentResponse(validateAssessment({ type: 'PHQ-9', responses: [1, 1, 1, 1, 1, 1, 1, 1, 1] }, now), { patientId: 'p', id: 'qr' });
  const broken = structuredClone(response);
  broken.item![0].answer = [{ valueCoding: { system: 'http://loinc.org', code: 'LA18938-3' } }];
  broken.item![1].linkId = '/nope';
  broken.item![9].answer = [{ valueInteger: 99 }];
  const problems = readResponse(broken)?.problems ?? [];
  t.match(problems, [
    { path: 'QuestionnaireResponse.item[0].answer[0].valueCoding', message: /LOINC answer code/ },
    { path: 'QuestionnaireResponse.item[1].linkId', message: /not an item/ },
    { path: 'QuestionnaireResponse.item', message: /must answer item \/44250-9/ },
    { path: 'QuestionnaireResponse.item', message: /must answer item \/44255-8/ },
  ]);
  const inProgress = { ...structuredClone(response), status: 'in-progress' as const };
  inProgress.item = inProgress.item!.slice(8, 9);
  t.strictSame(readResponse(inProgress)?.problems, [], 'an unfinished response may leave items out');
  const derived = deriveAssessment(inProgress, readResponse(inProgress)!, { now: now.toISOString(), careTeamIds: [] });
  t.strictSame(derived.observations, [], 'but it is not scored');
  t.ok(derived.flag, 'item 9 is still evaluated on its own');
  const wrongTotal = structuredClone(response);
  wrongTotal.item![9].answer = [{ valueInteger: 8 }];
  t.match(readResponse(wrongTotal)?.problems, [{ path: 'QuestionnaireResponse.item[9].answer[0]', message: /total score is 9/ }]);
});
