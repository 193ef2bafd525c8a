// The CapabilityStatement's searchParam lists: exactly the parameters the registry compiled, plus
// _id and _lastUpdated (answered from the resource table).
import type { CapabilityStatementRestResourceSearchParam } from '@medplum/fhirtypes';
import type { SearchRegistry } from '../store/search/registry.js';

const COLUMN_PARAMS: CapabilityStatementRestResourceSearchParam[] = [
  { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id', documentation: 'Logical id; :not and :missing.' },
  {
    name: '_lastUpdated',
    type: 'date',
    definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated',
    documentation: 'Prefixes eq ne gt lt ge le sa eb ap; dates without a zone are read in TZ_DEFAULT.',
  },
];

export function searchParamsForCapability(registry: SearchRegistry, type: string): CapabilityStatementRestResourceSearchParam[] {
  const params = registry.forType(type).map((p): CapabilityStatementRestResourceSearchParam => ({
    name: p.code,
    type: p.type,
    definition: p.url,
    ...(p.description ? { documentation: p.description.slice(0, 300) } : {}),
  }));
  return [...COLUMN_PARAMS, ...params].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The CapabilityStatement's searchInclude and searchRevInclude: every reference parameter of the
 * type (and `Type:*`), and every reference parameter of any type that can point at it.
 */
export function includesForCapability(registry: SearchRegistry, types: Iterable<string>): (type: string) => { include: string[]; revinclude: string[] } {
  const all = [...types];
  const referencing = new Map<string, string[]>();
  for (const source of all) {
    for (const p of registry.forType(source)) {
      if (p.type !== 'reference') continue;
      for (const target of p.targets.length ? p.targets : all) {
        const list = referencing.get(target) ?? [];
        list.push(`${source}:${p.code}`);
        referencing.set(target, list);
      }
    }
  }
  return (type) => {
    const own = registry
      .forType(type)
      .filter((p) => p.type === 'reference')
      .map((p) => `${type}:${p.code}`);
    return {
      include: own.length ? [...own.sort(), `${type}:*`] : [],
      revinclude: [...new Set(referencing.get(type) ?? [])].sort(),
    };
  };
}
