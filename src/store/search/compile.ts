// Criteria -> SQL conditions over the resource table (alias `r` at the top, other aliases in
// chains), each an EXISTS over an index table that PostgreSQL turns into a semi-join: the planner
// may start from the most selective index and probe the others through their (rid, param) index.
// Every subquery that reaches another resource (chains, _has) applies the caller's access rule.
import { accessCondition, type FilterCompiler } from '../access.js';
import type { Access } from '../context.js';
import type { Statement } from '../statement.js';
import type { ActiveParam } from './registry.js';
import type { Criterion, DateValue, NumberValue, TokenValue } from './request.js';
import { TABLES } from './rows.js';
import { compositeSql } from './types/composite.js';
import { dateSql } from './types/date.js';
import { numberSql } from './types/number.js';
import { quantitySql } from './types/quantity.js';
import { referenceSql } from './types/reference.js';
import { exactSql, stringSql } from './types/string.js';
import { ofTypeSql, tokenSql } from './types/token.js';
import { uriSql } from './types/uri.js';

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
        return this.or(c.values.map((v) => this.dateCondition(v, `${alias}.last_updated`, `(${alias}.last_updated + interval '1 millisecond')`)));
      case 'compartment':
        return `${alias}.compartments @> ARRAY[${p(c.compartment)}]::text[]`;
      case 'missing': {
        const table = tableOf(c.param);
        const x = this.alias();
        return `${c.missing ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${table} ${x} WHERE ${x}.rid = ${this.rid(alias)} AND ${x}.param = ${p(c.param.key)})`;
      }
      case 'token': {
        const body = this.or(c.values.map((v) => this.tokenValue(v, 'x')));
        return `${c.not ? 'NOT ' : ''}${this.exists('search_token', c.param.key, alias, body)}`;
      }
      case 'reference-identifier':
        return this.exists('search_token', c.param.identifierKey, alias, this.or(c.values.map((v) => this.tokenValue(v, 'x'))));
      case 'token-text':
        return this.exists('search_string', c.param.textKey, alias, this.or(c.values.map((v) => stringSql('x.norm', v, 'prefix', this.bind))));
      case 'of-type':
        return this.exists('search_token', c.param.ofTypeKey, alias, this.or(c.values.map((v) => ofTypeSql(v, 'x', this.bind))));
      case 'string':
        return this.exists(
          'search_string',
          c.param.key,
          alias,
          this.or(c.values.map((v) => (c.mode === 'exact' ? exactSql('x.exact', v, this.bind) : stringSql('x.norm', v, c.mode, this.bind)))),
        );
      case 'date':
        return this.exists('search_date', c.param.key, alias, this.or(c.values.map((v) => this.dateCondition(v, 'x.low', 'x.high'))));
      case 'number':
        return this.exists('search_number', c.param.key, alias, this.or(c.values.map((v) => this.numberCondition(v, 'x.value'))));
      case 'quantity':
        return this.exists('search_quantity', c.param.key, alias, this.or(c.values.map((v) => quantitySql(v, 'x', this.bind))));
      case 'uri':
        return this.exists('search_uri', c.param.key, alias, this.or(c.values.map((v) => uriSql(v, c.mode, 'x', this.bind))));
      case 'reference':
        return this.exists('search_reference', c.param.key, alias, referenceSql(c.refs, 'x', this.bind));
      case 'composite':
        return this.exists('search_composite', c.param.key, alias, this.or(c.values.map((v) => compositeSql(v, 'x', this.bind, this.now()))));
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
        return this.or(c.alternatives.map((a) => `(${alias}.resource_type = ${p(a.resourceType)} AND ${this.criterion(a.criterion, alias)})`));
    }
  }

  /** EXISTS over an index table; `body` refers to the index row as `x` (renamed to a fresh alias). */
  private exists(table: string, key: number, alias: string, body: string): string {
    const x = this.alias();
    const renamed = body.replace(/\bx\./g, `${x}.`);
    return `EXISTS (SELECT 1 FROM ${table} ${x} WHERE ${x}.rid = ${this.rid(alias)} AND ${x}.param = ${this.stmt.param(key)} AND ${renamed}${this.probe ? ' OFFSET 0' : ''})`;
  }

  private rid(alias: string): string {
    return alias === 'r' && this.ridAlias ? `${this.ridAlias}.rid` : `${alias}.rid`;
  }

  private alias(): string {
    return `i${++this.aliasCount}`;
  }

  private or(parts: string[]): string {
    if (!parts.length) return 'FALSE';
    return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
  }

  tokenValue(v: TokenValue, x: string): string {
    return tokenSql(v, x, this.bind);
  }

  dateCondition(v: DateValue, low: string, high: string): string {
    return dateSql(v, low, high, this.bind, this.now());
  }

  numberCondition(v: NumberValue, column: string): string {
    return numberSql(v, column, this.bind);
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
