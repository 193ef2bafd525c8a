// Search criteria evaluated in Node on one resource: the same answer the SQL search gives, for
// query restrictions on reads and writes (and later Subscription criteria). The resource goes
// through the store's own extraction (extract.ts, with the registry in force, SearchParameters a
// reindex activated included) into the index rows the database would hold, and each criterion is
// tested on those rows with the rule its type's SQL condition uses (types/*.ts, one definition
// per type).
// Chains and _has reach other resources, which a single resource cannot answer: such criteria
// are not evaluable here (callers must not grant on them).
import type { Resource } from '@medplum/fhirtypes';
import { extractRows } from './extract.js';
import type { SearchIndexer } from './indexer.js';
import type { ActiveParam } from './registry.js';
import type { Criterion } from './request.js';
import type { TABLES, IndexRows } from './rows.js';
import { dateMatches } from './types/date.js';
import { typeOf, type ValueCriterion } from './types/index.js';
import type { IndexRow } from './types/parameter-type.js';

/** One resource as the index sees it: its rows and, when a criterion needs them, its compartments. */
interface Indexed {
  resource: Resource;
  rows: IndexRows;
  compartments?: readonly string[];
}

/** Whether every criterion can be answered from the resource alone (no chain, no _has). */
export function evaluableInNode(criteria: readonly Criterion[]): boolean {
  return criteria.every(evaluable);
}

function evaluable(c: Criterion): boolean {
  if (c.kind === 'chain' || c.kind === 'has') return false;
  if (c.kind === 'by-type') return c.alternatives.every((a) => evaluable(a.criterion));
  return true;
}

/**
 * A test of resources of `type` against `criteria` (ANDed), as `GET [type]?<criteria>` would
 * select them. Throws when a criterion is not evaluable in Node (check evaluableInNode first).
 */
export function criteriaMatcher(
  indexer: SearchIndexer,
  type: string,
  criteria: readonly Criterion[],
  now: () => number = Date.now,
): (resource: Resource) => boolean {
  if (!evaluableInNode(criteria)) throw new Error('chained and _has criteria cannot be evaluated on one resource');
  const params = paramsOf(criteria);
  const needsCompartments = criteria.some((c) => c.kind === 'compartment');
  return (resource) => {
    if (resource.resourceType !== type) return false;
    let indexed: Indexed;
    if (needsCompartments) {
      const entry = indexer.extract(resource);
      indexed = { resource, rows: entry.rows, compartments: entry.compartments };
    } else {
      indexed = { resource, rows: extractRows(indexer.registry, resource, indexer.options, params) };
    }
    const at = now();
    return criteria.every((c) => matches(c, indexed, at));
  };
}

/** The parameters whose rows the criteria test (each once). */
function paramsOf(criteria: readonly Criterion[]): ActiveParam[] {
  const found = new Set<ActiveParam>();
  const visit = (c: Criterion) => {
    if (c.kind === 'by-type') c.alternatives.forEach((a) => visit(a.criterion));
    else if ('param' in c) found.add(c.param);
  };
  criteria.forEach(visit);
  return [...found];
}

function matches(c: Criterion, r: Indexed, now: number): boolean {
  switch (c.kind) {
    case 'id':
      return c.ids.includes(r.resource.id as string) !== Boolean(c.not);
    case 'id-missing':
      return !c.missing;
    case 'last-updated': {
      const text = r.resource.meta?.lastUpdated;
      if (typeof text !== 'string') return false;
      const at = Date.parse(text);
      return c.values.some((v) => dateMatches(v, at, at + 1, now));
    }
    case 'compartment':
      return (r.compartments ?? []).includes(c.compartment);
    case 'missing': {
      const rows = r.rows[tableKeyOf(c.param)] as Array<{ param: number }>;
      return rows.some((row) => row.param === c.param.key) !== c.missing;
    }
    case 'by-type':
      return c.alternatives.some((a) => a.resourceType === r.resource.resourceType && matches(a.criterion, r, now));
    case 'chain':
    case 'has':
      throw new Error('chained and _has criteria cannot be evaluated on one resource');
    default:
      return valueMatches(c, r, now);
  }
}

/** A parameter's own values, by the rule of its type: one row of the target meets the test. */
function valueMatches(c: ValueCriterion, r: Indexed, now: number): boolean {
  const type = typeOf(c.param);
  const target = type.target(c);
  const rows: readonly IndexRow[] = r.rows[target.rows];
  const found = rows.some((row) => row.param === target.key && type.test(c, row, now));
  return found !== Boolean(target.not);
}

/** The rows a parameter's :missing looks at: those of its type's table (compile.ts tableOf). */
function tableKeyOf(param: ActiveParam): keyof IndexRows {
  return param.type satisfies keyof typeof TABLES;
}
