// Validation of app records before any FHIR resource is built: a JSON schema per record kind
// (compiled once by ajv) for shape, types, ranges, required and unknown fields, then the rules a
// schema cannot say (both-or-neither, one of several, order of dates). Every problem becomes an
// OperationOutcome issue naming the field, and the whole list answers 400.
import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { FhirError, type Issue, type IssueCode } from '../errors.js';
import { isValidCalendarDate } from '../fhir/datetime.js';

/** A problem found by a record's own rules: the field (as `goals[0].description`) and what is wrong. */
export interface FieldProblem {
  /** One field, or each of several fields when the rule is about them together. */
  field: string | string[];
  message: string;
  code?: IssueCode;
}

// FHIR dateTime with a full time: seconds and a zone are required (FHIR dateTime rules).
const INSTANT = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

const FORMATS = {
  instant: {
    test: (v: string) => INSTANT.test(v) && isValidCalendarDate(v),
    text: 'a date and time with seconds and a time zone, such as 2024-05-01T08:30:00Z',
  },
  date: {
    test: (v: string) => DATE.test(v) && isValidCalendarDate(v),
    text: 'a calendar date such as 2024-05-01',
  },
  'date-or-instant': {
    test: (v: string) => (DATE.test(v) || INSTANT.test(v)) && isValidCalendarDate(v),
    text: 'a calendar date (2024-05-01) or a date and time with seconds and a time zone (2024-05-01T08:30:00Z)',
  },
} as const;

const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true });
for (const [name, format] of Object.entries(FORMATS)) ajv.addFormat(name, { type: 'string', validate: format.test });
// `errorText` says in words what a pattern means, for the error message.
ajv.addKeyword({ keyword: 'errorText', schemaType: 'string' });

/** Schema pieces shared by the record kinds. */
export const field = {
  text: (maxLength: number): SchemaObject => ({ type: 'string', minLength: 1, maxLength, pattern: '\\S', errorText: 'text that is not blank' }),
  integer: (minimum: number, maximum: number): SchemaObject => ({ type: 'integer', minimum, maximum }),
  number: (minimum: number, maximum: number): SchemaObject => ({ type: 'number', minimum, maximum }),
  instant: { type: 'string', format: 'instant' } as SchemaObject,
  date: { type: 'string', format: 'date' } as SchemaObject,
  dateOrInstant: { type: 'string', format: 'date-or-instant' } as SchemaObject,
  texts: (maxItems: number, maxLength: number): SchemaObject => ({ type: 'array', maxItems, items: field.text(maxLength) }),
};

/** Fields the API answers with and a client may send back unchanged; they are ignored on input. */
const SERVER_FIELDS: Record<string, SchemaObject> = {
  id: { type: 'string' },
  fhir: { type: 'array', items: { type: 'string' } },
};

export interface RecordRules<R> {
  /** Top-level properties of the record, as JSON schema. */
  properties: Record<string, SchemaObject>;
  required: string[];
  /** More fields the API answers with (computed), accepted on input and ignored. */
  computed?: Record<string, SchemaObject>;
  /** Rules beyond the schema, run once the schema passes. */
  check?: (record: R) => FieldProblem[];
}

export type RecordValidator<R> = (input: unknown) => R;

/**
 * A validator for one record kind: returns the record with defaults applied, or throws a 400
 * FhirError whose issues name every failing field.
 */
export function recordValidator<R>(rules: RecordRules<R>): RecordValidator<R> {
  const ignored = { ...SERVER_FIELDS, ...rules.computed };
  const validate: ValidateFunction = ajv.compile({
    type: 'object',
    properties: { ...rules.properties, ...ignored },
    required: rules.required,
    additionalProperties: false,
  });
  return (input) => {
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      throw FhirError.of('malformed-body', 400, 'structure', 'The body must be a JSON object with the record fields');
    }
    const record = withoutEmpties(input) as Record<string, unknown>;
    if (!validate(record)) throw new FhirError('invalid-record', 400, toIssues(validate.errors ?? []));
    for (const name of Object.keys(ignored)) delete record[name];
    const problems = rules.check?.(record as R) ?? [];
    if (problems.length) throw new FhirError('invalid-record', 400, problems.map(problemIssue));
    return record as R;
  };
}

/**
 * A copy without null fields and empty lists: both mean "not given" (PUT bodies built from a form
 * often carry them), and FHIR has no way to keep an empty list, so the round trip drops them too.
 */
function withoutEmpties(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpties);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null || (Array.isArray(item) && item.length === 0)) continue;
    out[key] = withoutEmpties(item);
  }
  return out;
}

function problemIssue(problem: FieldProblem): Issue {
  const expression = Array.isArray(problem.field) ? problem.field : [problem.field];
  return { severity: 'error', code: problem.code ?? 'value', diagnostics: problem.message, expression };
}

function toIssues(errors: ErrorObject[]): Issue[] {
  const seen = new Set<string>();
  const issues: Issue[] = [];
  for (const error of errors) {
    const problem = describe(error);
    const key = `${problem.field}|${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(problemIssue(problem));
  }
  return issues;
}

function describe(error: ErrorObject): FieldProblem {
  const at = fieldPath(error.instancePath);
  const name = at || 'the record';
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as SchemaObject;
  const value: unknown = error.data; // the failing value (ajv's verbose mode)
  switch (error.keyword) {
    case 'required': {
      const missing = join(at, String(params.missingProperty));
      return { field: missing, code: 'required', message: `${missing} is required` };
    }
    case 'additionalProperties': {
      const unknown = join(at, String(params.additionalProperty));
      return { field: unknown, code: 'structure', message: `${unknown} is not a field of this record` };
    }
    case 'type':
      return { field: name, code: 'structure', message: `${name} must be ${typeName(String(params.type))}, not ${show(value)}` };
    case 'minimum':
    case 'maximum':
      return { field: name, message: `${name} must be between ${parent.minimum} and ${parent.maximum}, not ${show(value)}` };
    case 'enum':
      return {
        field: name,
        code: 'code-invalid',
        message: `${name} must be one of ${(params.allowedValues as unknown[]).map(show).join(', ')}, not ${show(value)}`,
      };
    case 'format':
      return { field: name, message: `${name} must be ${FORMATS[params.format as keyof typeof FORMATS]?.text ?? String(params.format)}, not ${show(value)}` };
    case 'minLength':
    case 'pattern':
      return { field: name, message: `${name} must be ${parent.errorText ?? 'text that is not blank'}` };
    case 'maxLength':
      return { field: name, code: 'too-long', message: `${name} must be at most ${params.limit} characters long` };
    case 'maxItems':
      return { field: name, code: 'too-long', message: `${name} must have at most ${params.limit} entries` };
    case 'minItems':
      return { field: name, message: `${name} must have at least ${params.limit} entries` };
    default:
      return { field: name, code: 'invalid', message: `${name} ${error.message ?? 'is invalid'}` };
  }
}

/** "/goals/0/description" -> "goals[0].description" */
function fieldPath(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((out, segment) => (/^\d+$/.test(segment) ? `${out}[${segment}]` : join(out, segment)), '');
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function typeName(type: string): string {
  switch (type) {
    case 'integer':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'string':
      return 'text (a JSON string)';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list (a JSON array)';
    case 'object':
      return 'an object';
    default:
      return type;
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Problems of a period given as two fields: end must not come before start (FHIR per-1). */
export function periodProblems(start: string | undefined, end: string | undefined, endField: string, startField: string): FieldProblem[] {
  if (!start || !end) return [];
  return instantOf(end) < instantOf(start) ? [{ field: endField, message: `${endField} must not be before ${startField}` }] : [];
}

/** A date or date-time as milliseconds; a date counts from its first moment in UTC. */
export function instantOf(value: string): number {
  return Date.parse(DATE.test(value) ? `${value}T00:00:00Z` : value);
}
