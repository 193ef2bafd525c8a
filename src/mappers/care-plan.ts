// care-plans <-> a CarePlan and one Goal per goal (mapping.md "care-plans"; clinical-codes.md §7).
import type { CarePlan, CarePlanActivity, Goal } from '@medplum/fhirtypes';
import { CATEGORY, SYSTEM } from './codes.js';
import {
  concept,
  ownedId,
  patientReference,
  recordMeta,
  RecordShapeError,
  referencedId,
  referenceString,
  referenceTo,
  type RecordContext,
  type StoredRecord,
} from './fhir.js';
import { field, periodProblems, recordValidator, type FieldProblem } from './validation.js';

// The R4 value sets bound to the elements each status goes to (clinical-codes.md §7).
export const CARE_PLAN_STATUSES = ['draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error', 'unknown'] as const;
export const GOAL_STATUSES = ['proposed', 'planned', 'accepted', 'active', 'on-hold', 'completed', 'cancelled', 'entered-in-error', 'rejected'] as const;
export const ACTIVITY_STATUSES = [
  'not-started',
  'scheduled',
  'in-progress',
  'on-hold',
  'completed',
  'cancelled',
  'stopped',
  'unknown',
  'entered-in-error',
] as const;

export interface CarePlanGoal {
  description: string;
  targetDate?: string;
  status: (typeof GOAL_STATUSES)[number];
}

export interface CarePlanActivityRecord {
  description: string;
  schedule?: string;
  status: (typeof ACTIVITY_STATUSES)[number];
}

export interface CarePlanRecord {
  title: string;
  description?: string;
  status: (typeof CARE_PLAN_STATUSES)[number];
  start?: string;
  end?: string;
  goals?: CarePlanGoal[];
  activities?: CarePlanActivityRecord[];
}

export const validateCarePlan = recordValidator<CarePlanRecord>({
  properties: {
    title: field.text(500),
    description: field.text(10000),
    status: { enum: [...CARE_PLAN_STATUSES], default: 'active' },
    start: field.dateOrInstant,
    end: field.dateOrInstant,
    goals: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        properties: {
          description: field.text(1000),
          targetDate: field.date,
          status: { enum: [...GOAL_STATUSES], default: 'active' },
        },
        required: ['description'],
        additionalProperties: false,
      },
    },
    activities: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        properties: {
          description: field.text(1000),
          schedule: field.text(500),
          status: { enum: [...ACTIVITY_STATUSES], default: 'not-started' },
        },
        required: ['description'],
        additionalProperties: false,
      },
    },
  },
  required: ['title'],
  check: (plan): FieldProblem[] => periodProblems(plan.start, plan.end, 'end', 'start'),
});

/** The id of the Goal at `index` of the care plan `carePlanId`. */
export function goalId(carePlanId: string, index: number): string {
  return ownedId(`CarePlan/${carePlanId}`, `goal/${index}`);
}

export function carePlanToFhir(plan: CarePlanRecord, ctx: RecordContext): [CarePlan, ...Goal[]] {
  const goals: Goal[] = (plan.goals ?? []).map((goal, index) => ({
    resourceType: 'Goal',
    id: goalId(ctx.id, index),
    lifecycleStatus: goal.status,
    description: { text: goal.description },
    subject: patientReference(ctx.patientId),
    ...(goal.targetDate !== undefined ? { target: [{ dueDate: goal.targetDate }] } : {}),
  }));
  const activity: CarePlanActivity[] = (plan.activities ?? []).map((a) => ({
    detail: { status: a.status, description: a.description, ...(a.schedule !== undefined ? { scheduledString: a.schedule } : {}) },
  }));
  const period = { ...(plan.start !== undefined ? { start: plan.start } : {}), ...(plan.end !== undefined ? { end: plan.end } : {}) };
  const carePlan: CarePlan = {
    resourceType: 'CarePlan',
    id: ctx.id,
    meta: recordMeta('care-plan'),
    status: plan.status,
    intent: 'plan',
    // US Core 6/7/8 clients expect assess-plan (clinical-codes.md §7.1).
    category: [concept(SYSTEM.careplanCategory, CATEGORY.assessPlan)],
    title: plan.title,
    ...(plan.description !== undefined ? { description: plan.description } : {}),
    subject: patientReference(ctx.patientId),
    ...(Object.keys(period).length ? { period } : {}),
    ...(goals.length ? { goal: goals.map(referenceTo) } : {}),
    ...(activity.length ? { activity } : {}),
  };
  return [carePlan, ...goals];
}

export function carePlanFromFhir(resources: Array<CarePlan | Goal>): StoredRecord<CarePlanRecord> {
  const carePlan = resources[0];
  if (!carePlan || carePlan.resourceType !== 'CarePlan' || carePlan.title === undefined) {
    throw new RecordShapeError('A care plan is a CarePlan with a title');
  }
  const goalsById = new Map(resources.filter((r): r is Goal => r.resourceType === 'Goal').map((g) => [g.id, g]));
  const plan: CarePlanRecord = { title: carePlan.title, status: carePlan.status };
  if (carePlan.description !== undefined) plan.description = carePlan.description;
  if (carePlan.period?.start !== undefined) plan.start = carePlan.period.start;
  if (carePlan.period?.end !== undefined) plan.end = carePlan.period.end;
  const goals = (carePlan.goal ?? []).map((reference) => {
    const goal = goalsById.get(referencedId(reference, 'Goal'));
    if (!goal?.description.text) throw new RecordShapeError(`CarePlan/${carePlan.id} refers to ${reference.reference}, which is not among its goals`);
    return {
      description: goal.description.text,
      ...(goal.target?.[0]?.dueDate !== undefined ? { targetDate: goal.target[0].dueDate } : {}),
      status: goal.lifecycleStatus,
    };
  });
  if (goals.length) plan.goals = goals;
  const activities = (carePlan.activity ?? []).flatMap((a) =>
    a.detail?.description !== undefined
      ? [
          {
            description: a.detail.description,
            ...(a.detail.scheduledString !== undefined ? { schedule: a.detail.scheduledString } : {}),
            status: a.detail.status,
          },
        ]
      : [],
  );
  if (activities.length) plan.activities = activities;
  return { id: carePlan.id as string, ...plan, fhir: resources.map(referenceString) };
}
