// Validation of every incoming resource against the official FHIR R4 JSON schema, compiled once at
// start, with errors turned into OperationOutcome issues that name the failing element.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Issue, IssueCode } from '../errors.js';
import { loadAdaptedSchema, SCHEMA_ID } from './schema.js';
import { isValidCalendarDate } from './datetime.js';
import { unsafeNarrativeReason } from './narrative.js';

/** Issues reported for one resource at most; a resource that wrong needs no longer list. */
const MAX_ISSUES = 25;

export interface ResourceValidator {
  readonly resourceTypes: ReadonlySet<string>;
  /** Issues of `resource` as a resource of its own resourceType; empty when valid. */
  validate(resource: unknown): Issue[];
}

type KeywordFn = ((schema: unknown, data: unknown, parentSchema?: unknown, cxt?: { instancePath: string }) => boolean) & {
  errors?: Partial<ErrorObject>[];
};

export function createValidator(): ResourceValidator {
  const { schema, resourceTypes, primitiveByPattern } = loadAdaptedSchema();
  const ajv = new Ajv({ allErrors: true, strict: false, inlineRefs: false, validateSchema: false });
  const byType = new Map<string, ValidateFunction>();

  const fhirResource: KeywordFn = (_schema, data, _parent, cxt) => {
    const at = cxt?.instancePath ?? '';
    if (!data || typeof data !== 'object' || Array.isArray(data)) {
      fhirResource.errors = [{ keyword: 'fhirResource', instancePath: at, message: 'must be a resource (a JSON object with a resourceType)', params: {} }];
      return false;
    }
    const type = (data as { resourceType?: unknown }).resourceType;
    const validate = typeof type === 'string' ? byType.get(type) : undefined;
    if (!validate) {
      fhirResource.errors = [
        { keyword: 'fhirResource', instancePath: `${at}/resourceType`, message: `unknown resourceType ${JSON.stringify(type)}`, params: {} },
      ];
      return false;
    }
    if (validate(data)) return true;
    fhirResource.errors = (validate.errors ?? []).map((e) => ({ ...e, instancePath: at + e.instancePath }));
    return false;
  };
  ajv.addKeyword({ keyword: 'fhirResource', validate: fhirResource, errors: true });

  const fhirDate: KeywordFn = (kind, data) => {
    if (typeof data !== 'string' || isValidCalendarDate(data)) return true;
    fhirDate.errors = [{ keyword: 'fhirDate', message: `is not a valid ${String(kind)}: no such day in the calendar`, params: {} }];
    return false;
  };
  ajv.addKeyword({ keyword: 'fhirDate', validate: fhirDate, errors: true });

  const fhirXhtml: KeywordFn = (_schema, data) => {
    const reason = typeof data === 'string' ? unsafeNarrativeReason(data) : undefined;
    if (!reason) return true;
    fhirXhtml.errors = [{ keyword: 'fhirXhtml', message: reason, params: {} }];
    return false;
  };
  ajv.addKeyword({ keyword: 'fhirXhtml', validate: fhirXhtml, errors: true });

  ajv.addSchema(schema);
  for (const type of resourceTypes) {
    byType.set(type, ajv.getSchema(`${SCHEMA_ID}#/definitions/${type}`) as ValidateFunction);
  }
  const types = new Set(resourceTypes);

  return {
    resourceTypes: types,
    validate(resource: unknown): Issue[] {
      if (!resource || typeof resource !== 'object' || Array.isArray(resource)) {
        return [{ severity: 'error', code: 'structure', diagnostics: 'The body must be a FHIR resource: a JSON object with a resourceType' }];
      }
      const type = (resource as { resourceType?: unknown }).resourceType;
      if (typeof type !== 'string' || !types.has(type)) {
        return [
          {
            severity: 'error',
            code: 'structure',
            diagnostics: `resourceType ${JSON.stringify(type ?? null)} is not an R4 resource type`,
            expression: ['resourceType'],
          },
        ];
      }
      const validate = byType.get(type) as ValidateFunction;
      if (validate(resource)) return [];
      return toIssues(type, validate.errors ?? [], resource, primitiveByPattern);
    },
  };
}

function toIssues(type: string, errors: ErrorObject[], root: unknown, primitiveByPattern: Map<string, string>): Issue[] {
  const seen = new Set<string>();
  const issues: Issue[] = [];
  for (const error of errors) {
    const issue = toIssue(type, error, root, primitiveByPattern);
    const key = `${issue.expression?.[0]}|${issue.diagnostics}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
    if (issues.length >= MAX_ISSUES) break;
  }
  return issues;
}

function toIssue(type: string, error: ErrorObject, root: unknown, primitiveByPattern: Map<string, string>): Issue {
  const segments = pointerSegments(error.instancePath);
  const at = expressionOf(type, segments, root);
  const value = valueAt(root, segments);
  const params = error.params as Record<string, unknown>;
  const issue = (code: IssueCode, diagnostics: string, expression = at): Issue => ({
    severity: 'error',
    code,
    diagnostics,
    expression: [expression],
  });
  switch (error.keyword) {
    case 'additionalProperties':
      return issue('structure', `Unknown element "${String(params.additionalProperty)}" in ${at}`, `${at}.${String(params.additionalProperty)}`);
    case 'required':
      return issue('required', `Missing required element "${String(params.missingProperty)}" in ${at}`, `${at}.${String(params.missingProperty)}`);
    case 'type':
      return issue('structure', `${at} must be ${article(String(params.type))}, not ${describe(value)}`);
    case 'pattern': {
      const primitive = primitiveByPattern.get(String(params.pattern));
      return issue('value', `${at}: ${show(value)} is not a valid FHIR ${primitive ?? 'value'}`);
    }
    case 'enum':
      return issue('code-invalid', `${at}: ${show(value)} is not one of ${(params.allowedValues as unknown[]).map(show).join(', ')}`);
    case 'const':
      return issue('value', `${at} must be ${show(params.allowedValue)}`);
    case 'minItems':
      return issue('structure', `${at} is an empty array; FHIR JSON leaves out empty arrays`);
    case 'minProperties':
      return issue('structure', `${at} is an empty object; FHIR JSON leaves out empty objects`);
    case 'minimum':
    case 'maximum':
      return issue('value', `${at}: ${show(value)} must be ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params.limit)}`);
    case 'fhirDate':
    case 'fhirXhtml':
    case 'fhirResource':
      return issue(error.keyword === 'fhirResource' ? 'structure' : 'value', `${at}: ${error.keyword === 'fhirDate' ? show(value) + ' ' : ''}${error.message}`);
    default:
      return issue('invalid', `${at} ${error.message ?? 'is invalid'}`);
  }
}

function pointerSegments(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** "/component/0/code" -> "Observation.component[0].code" (the FHIRPath form OperationOutcome uses). */
function expressionOf(type: string, segments: string[], root: unknown): string {
  let out = type;
  let node: unknown = root;
  for (const segment of segments) {
    if (Array.isArray(node)) out += `[${segment}]`;
    else out += `.${segment}`;
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return out;
}

function valueAt(root: unknown, segments: string[]): unknown {
  let node = root;
  for (const s of segments) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[s] : undefined;
  return node;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return article(typeof value);
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
