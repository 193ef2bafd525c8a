// Extraction: one resource version -> its index rows and compartments. Pure; runs once per write,
// with the extractors the registry compiled at start. What rows a value makes is its parameter
// type's rule (types/<type>.ts extract); here the values of each parameter are found and handed on.
import type { Resource } from '@medplum/fhirtypes';
import { rootOf } from './path.js';
import type { ActiveParam, SearchRegistry } from './registry.js';
import { emptyRows, type IndexRows } from './rows.js';
import { typeOf } from './types/index.js';
import type { ExtractOptions } from './types/parameter-type.js';

/**
 * The index rows of `resource`: of every parameter of its type, or of `only` those (the Node
 * matcher, which needs the rows of the parameters it tests and the same rows the index holds).
 */
export function extractRows(registry: SearchRegistry, resource: Resource, options: ExtractOptions, only?: readonly ActiveParam[]): IndexRows {
  const rows = emptyRows();
  const root = rootOf(resource);
  for (const param of only ?? registry.forType(resource.resourceType)) {
    const values = param.fn(root);
    if (!values.length) continue;
    const type = typeOf(param);
    for (const v of values) type.extract(rows, param, v, options);
  }
  return dedupe(rows);
}

/** The same value reached through two paths (Observation.code | Observation.component.code) is indexed once. */
function dedupe(rows: IndexRows): IndexRows {
  for (const key of Object.keys(rows) as Array<keyof IndexRows>) {
    const list = rows[key] as unknown[];
    if (list.length < 2) continue;
    const seen = new Set<string>();
    (rows as unknown as Record<string, unknown[]>)[key] = list.filter((r) => {
      const k = Object.values(r as object).join('\u0001');
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  return rows;
}
