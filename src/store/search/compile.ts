// Criteria -> SQL conditions over the resource table (alias `r` at the top, other aliases in
// chains), each an EXISTS over an index table that PostgreSQL turns into a semi-join: the planner
// may start from the most selective index and probe the others through their (rid, param) index.
// Every subquery that reaches another resource (chains, _has) applies the caller's access rule.
import { accessCondition, type FilterCompiler } from '../access.js';
import type { Access } from '../context.js';
import type { Statement } from '../statement.js';
import type { ActiveParam } from './registry.js';
import type { Criterion, DateValue, TokenValue } from './request.js';
import { TABLES } from './rows.js';
import { dateSql } from './types/date.js';
import { typeOf, type ValueCriterion } from './types/index.js';
import { anyOf } from './types/parameter-type.js';
import { tokenSql } from './types/token.js';

export class ConditionCompiler {
  private aliasCount = 0;

  /**
   * `probe`: keep each EXISTS a per-row check (OFFSET 0 stops PostgreSQL from turning it into a
   * join). Used when the search is driven from one selective index in rid order: hashing every
   * Observation with a common code to intersect it with one patient's hundred would cost more than
   * a hundred index probes, and would lose the order that lets the page stop early.
   */
  probe = false;
  /**
   * When set, index-table checks on the top-level resource `r` correlate on this alias's rid (the
   * driving index row) instead, so they run before the resource row itself is fetched.
   */
  ridAlias?: string;

  constructor(
    private readonly stmt: Statement,
    private readonly access: Access,
    /** Compiles the query restrictions of the access rule (from SearchEngine.filters). */
    private readonly filters?: FilterCompiler,
    private readonly now: () => number = Date.now,
  ) {}

  /** A boolean SQL expression: the resource `alias` meets `c`. */
  criterion(c: Criterion, alias: string): string {
    const p = (v: unknown) => this.stmt.param(v);
    switch (c.kind) {
      case 'id':
        return `${c.not ? 'NOT ' : ''}${alias}.id = ANY(${p(c.ids)}::text[])`;
      case 'id-missing':
        return c.missing ? 'FALSE' : 'TRUE';
      case 'last-updated':
        // The date rule on the column: an instant is the range of its millisecond.
        return anyOf(c.values.map((v) => dateSql(v, `${alias}.last_updated`, `(${alias}.last_updated + interval '1 millisecond')`, this.bind, this.now())));
      case 'compartment':
        return `${alias}.compartments @> ARRAY[${p(c.compartment)}]::text[]`;
      case 'missing': {
        const table = tableOf(c.param);
        const x = this.alias();
        return `${c.missing ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${table} ${x} WHERE ${x}.rid = ${this.rid(alias)} AND ${x}.param = ${p(c.param.key)})`;
      }
      case 'chain': {
        const x = this.alias();
        const t = this.alias();
        const types = c.targetTypes.length ? ` AND ${x}.target_type = ANY(${p(c.targetTypes)}::text[])` : ` AND ${x}.target_type IS NOT NULL`;
        return `EXISTS (SELECT 1 FROM search_reference ${x} JOIN resource ${t} ON ${t}.resource_type = ${x}.target_type AND ${t}.id = ${x}.target_id
          WHERE ${x}.rid = ${alias}.rid AND ${x}.param = ${p(c.param.key)}${types} AND NOT ${t}.deleted
            AND ${accessCondition(this.access, t, this.stmt, { filters: this.filters })} AND ${this.criterion(c.criterion, t)})`;
      }
      case 'has': {
        const x = this.alias();
        const s = this.alias();
        return `EXISTS (SELECT 1 FROM search_reference ${x} JOIN resource ${s} ON ${s}.rid = ${x}.rid
          WHERE ${x}.param = ${p(c.param.key)} AND ${x}.ref = ${alias}.resource_type || '/' || ${alias}.id
            AND ${s}.resource_type = ${p(c.sourceType)} AND NOT ${s}.deleted
            AND ${accessCondition(this.access, s, this.stmt, { filters: this.filters })} AND ${this.criterion(c.criterion, s)})`;
      }
      case 'by-type':
        return anyOf(c.alternatives.map((a) => `(${alias}.resource_type = ${p(a.resourceType)} AND ${this.criterion(a.criterion, alias)})`));
      default:
        return this.value(c, alias);
    }
  }

  /**
   * A parameter's own values, by the rule of its type (types/): EXISTS an index row of the
   * criterion's table and key that meets the type's condition (NOT EXISTS for :not).
   */
  private value(c: ValueCriterion, alias: string): string {
    const type = typeOf(c.param);
    const target = type.target(c);
    const x = this.alias();
    const body = type.sql(c, x, this.bind, this.now());
    const exists = `EXISTS (SELECT 1 FROM ${TABLES[target.rows].table} ${x} WHERE ${x}.rid = ${this.rid(alias)} AND ${x}.param = ${this.stmt.param(target.key)} AND ${body}${this.probe ? ' OFFSET 0' : ''})`;
    return target.not ? `NOT ${exists}` : exists;
  }

  private rid(alias: string): string {
    return alias === 'r' && this.ridAlias ? `${this.ridAlias}.rid` : `${alias}.rid`;
  }

  private alias(): string {
    return `i${++this.aliasCount}`;
  }

  /** A date value on the columns `low`/`high` of an index row (run.ts: a patient's date window). */
  dateValue(v: DateValue, low: string, high: string): string {
    return dateSql(v, low, high, this.bind, this.now());
  }

  /** A token value on the index row `x` (run.ts: the driving row of a page). */
  tokenValue(v: TokenValue, x: string): string {
    return tokenSql(v, x, this.bind);
  }

  private readonly bind = (value: unknown): string => this.stmt.param(value);
}

export function tableOf(param: ActiveParam): string {
  return TABLES[param.type].table;
}

/**
 * SQL that is true for resources of `alias` meeting every criterion: for access rules expressed as
 * search criteria, such as the query restriction of a SMART v2 scope
 * (`patient/Observation.rs?category=vital-signs`), parsed once with SearchEngine.parse. Chains and
 * _has inside the criteria see every resource (`inner`, default all): the caller's own access rule
 * is applied to the outer rows by accessCondition.
 */
export function criteriaCondition(stmt: Statement, criteria: Criterion[], alias: string, inner: Access = { kind: 'all' }): string {
  if (!criteria.length) return 'TRUE';
  const compiler = new ConditionCompiler(stmt, inner);
  return `(${criteria.map((c) => compiler.criterion(c, alias)).join(' AND ')})`;
}
