// The access rule as SQL: every statement that reads or writes resources on behalf of a caller adds
// this condition, so no route can forget it. The auth layer decides what the caller may reach and
// hands it over as data (an `Access`); this file is the only place that turns it into SQL.
import type { Resource } from '@medplum/fhirtypes';
import { careSubjectParamKey } from './care-subject.js';
import type { Access, ResourceFilter } from './context.js';
import type { Queryable } from './db.js';
import { Statement } from './statement.js';

/** What compiling a query restriction into SQL needs of it: its type and criteria. */
export type QueryRestriction = Pick<ResourceFilter, 'resourceType' | 'anyOf'>;

/** Turns a query restriction into SQL over the rows of `alias` (the search engine supplies it). */
export type FilterCompiler = (filter: QueryRestriction, alias: string, stmt: Statement) => string;

export interface AccessOptions {
  /**
   * How query restrictions (`filtered` access) reach the SQL:
   * - a FilterCompiler: compiled into the statement (search, counts, includes);
   * - 'checked-after': the caller fetches single resources and calls `admitsContent` on each one
   *   (read, vread, history, writes);
   * - absent: restricted rows are refused (fail closed).
   */
  filters?: FilterCompiler | 'checked-after';
}

/** A boolean SQL expression that is true for rows of `alias` the caller may see. */
export function accessCondition(access: Access, alias: string, stmt: Statement, options: AccessOptions = {}): string {
  return condition(access, alias, stmt, options, true);
}

function condition(access: Access, alias: string, stmt: Statement, options: AccessOptions, exact: boolean): string {
  switch (access.kind) {
    case 'all':
      return 'TRUE';
    case 'none':
      return 'FALSE';
    case 'compartments':
      if (access.compartments.length === 0) return 'FALSE';
      return `${alias}.compartments && ${stmt.param(access.compartments)}::text[]`;
    case 'careTeam':
      return `${alias}.compartments && ARRAY(${careTeamPatients(stmt.param(access.member), stmt.param(careSubjectParamKey('CareTeam')))})`;
    case 'consent':
      return consentCondition(alias, stmt.param(access.actor), stmt.param(careSubjectParamKey('Consent')));
    case 'types':
      if (access.types.length === 0) return 'FALSE';
      return `${alias}.resource_type = ANY(${stmt.param(access.types)}::text[])`;
    case 'anyOf': {
      // Inside a union a row may be admitted by a part whose restriction is checked after the query,
      // while another part admitted it in SQL: that cannot be told apart afterwards, so there
      // 'checked-after' restrictions count as not matching.
      const parts = access.of.map((part) => condition(part, alias, stmt, options, false));
      return parts.length ? `(${parts.join(' OR ')})` : 'FALSE';
    }
    case 'allOf': {
      const parts = access.of.map((part) => condition(part, alias, stmt, options, exact));
      return parts.length ? `(${parts.join(' AND ')})` : 'TRUE';
    }
    case 'byType': {
      const named = Object.keys(access.types);
      const parts = Object.entries(access.types).map(
        ([type, part]) => `(${alias}.resource_type = ${stmt.param(type)} AND ${condition(part, alias, stmt, options, exact)})`,
      );
      if (access.otherTypes && access.otherTypes.kind !== 'none') {
        const others = named.length ? `${alias}.resource_type <> ALL(${stmt.param(named)}::text[]) AND ` : '';
        parts.push(`(${others}${condition(access.otherTypes, alias, stmt, options, exact)})`);
      }
      return parts.length ? `(${parts.join(' OR ')})` : 'FALSE';
    }
    case 'filtered': {
      const within = condition(access.within, alias, stmt, options, exact);
      const filter =
        typeof options.filters === 'function' ? options.filters(access.filter, alias, stmt) : options.filters === 'checked-after' && exact ? 'TRUE' : 'FALSE';
      return `(${alias}.resource_type = ${stmt.param(access.filter.resourceType)} AND ${within} AND ${filter})`;
    }
  }
}

/**
 * The compartments of the patients whose active CareTeam lists `member` as participant.member,
 * directly or (for a Practitioner) through an active PractitionerRole of theirs. The patient is the
 * CareTeam's subject as the search index parsed it (a local Patient, src/store/care-subject.ts),
 * and only when it is one of the CareTeam's own compartments, which every write had to reach:
 * never the reference text, which `Patient/<A>/../../Patient/<B>` or another server's URL forge.
 */
function careTeamPatients(member: string, subjectKey: string): string {
  return `SELECT sr.ref
    FROM (SELECT ${member}::text AS reference
          UNION ALL
          SELECT 'PractitionerRole/' || pr.id FROM resource pr
           WHERE pr.resource_type = 'PractitionerRole' AND NOT pr.deleted
             AND ((pr.content::jsonb) -> 'practitioner' ->> 'reference') = ${member}::text
             AND coalesce((pr.content::jsonb) ->> 'active', 'true') <> 'false') members
    JOIN resource ct ON ct.resource_type = 'CareTeam' AND NOT ct.deleted
     AND ((ct.content::jsonb) -> 'participant') @> jsonb_build_array(jsonb_build_object('member', jsonb_build_object('reference', members.reference)))
    JOIN search_reference sr ON sr.rid = ct.rid AND sr.param = ${subjectKey}::integer AND sr.target_type = 'Patient'
    WHERE (ct.content::jsonb) ->> 'status' = 'active' AND sr.ref = ANY(ct.compartments)`;
}

/**
 * True for rows in the compartment of a patient whose active Consent permits `actor` (top-level
 * provision of type permit listing the actor), and, when the provision names classes, only for
 * those resource types. The patient is Consent.patient as parsed by the index (as for CareTeams).
 */
function consentCondition(alias: string, actor: string, patientKey: string): string {
  return `EXISTS (SELECT 1 FROM resource c
    JOIN search_reference sr ON sr.rid = c.rid AND sr.param = ${patientKey}::integer AND sr.target_type = 'Patient'
    WHERE c.resource_type = 'Consent' AND NOT c.deleted
      AND (c.content::jsonb) ->> 'status' = 'active'
      AND (c.content::jsonb) #>> '{provision,type}' = 'permit'
      AND ((c.content::jsonb) #> '{provision,actor}') @> jsonb_build_array(jsonb_build_object('reference', jsonb_build_object('reference', ${actor}::text)))
      AND sr.ref = ANY(c.compartments)
      AND sr.ref = ANY(${alias}.compartments)
      AND ((c.content::jsonb) #> '{provision,class}' IS NULL
           OR ((c.content::jsonb) #> '{provision,class}') @> jsonb_build_array(jsonb_build_object('code', ${alias}.resource_type))))`;
}

/** The query restrictions that apply to resources of `resourceType` read with 'checked-after'. */
export function filtersFor(access: Access, resourceType: string): ResourceFilter[] {
  switch (access.kind) {
    case 'filtered':
      return [access.filter, ...filtersFor(access.within, resourceType)];
    case 'allOf':
      return access.of.flatMap((part) => filtersFor(part, resourceType));
    case 'byType': {
      const part = Object.hasOwn(access.types, resourceType) ? access.types[resourceType] : access.otherTypes;
      return part ? filtersFor(part, resourceType) : [];
    }
    default:
      return [];
  }
}

/** Whether any part of the access is a query restriction (then reads check versions after fetching). */
export function hasQueryRestrictions(access: Access): boolean {
  switch (access.kind) {
    case 'filtered':
      return true;
    case 'anyOf':
    case 'allOf':
      return access.of.some(hasQueryRestrictions);
    case 'byType':
      return Object.values(access.types).some(hasQueryRestrictions) || (access.otherTypes !== undefined && hasQueryRestrictions(access.otherTypes));
    default:
      return false;
  }
}

/**
 * After a 'checked-after' query: whether a fetched version passes the query restrictions of its
 * type. A deletion (no content) cannot be shown to match, so under a restriction it is hidden.
 */
export function admitsContent(access: Access, resourceType: string, json: string | null): boolean {
  const filters = filtersFor(access, resourceType);
  if (!filters.length) return true;
  if (json === null) return false;
  const resource = JSON.parse(json) as Resource;
  return filters.every((f) => f.matches(resource));
}

/** A resource about to be written, or found in place, as the access rule sees it. */
export interface Candidate {
  resourceType: string;
  compartments: readonly string[];
  /** Needed to evaluate query restrictions; without it a restricted access refuses. */
  resource?: Resource;
}

/**
 * Whether the caller may write, change or delete this resource: every patient compartment it
 * belongs to must be within reach, each on its own. An Observation of A performed by Patient B
 * is in both compartments; a token for A alone must not write into B's record.
 */
export async function admitsWrite(q: Queryable, access: Access, candidate: Candidate): Promise<boolean> {
  if (candidate.compartments.length <= 1) return admits(q, access, candidate);
  for (const compartment of candidate.compartments) {
    if (!(await admits(q, access, { ...candidate, compartments: [compartment] }))) return false;
  }
  return true;
}

/**
 * Whether the caller may see this resource (or write it, with admitsWrite): the same rule as `accessCondition`,
 * evaluated in Node where it can be, and in SQL for the care relationships.
 */
export async function admits(q: Queryable, access: Access, candidate: Candidate): Promise<boolean> {
  switch (access.kind) {
    case 'all':
      return true;
    case 'none':
      return false;
    case 'compartments':
      return candidate.compartments.some((c) => access.compartments.includes(c));
    case 'types':
      return access.types.includes(candidate.resourceType);
    case 'anyOf':
      for (const part of access.of) if (await admits(q, part, candidate)) return true;
      return false;
    case 'allOf':
      for (const part of access.of) if (!(await admits(q, part, candidate))) return false;
      return true;
    case 'byType': {
      const part = Object.hasOwn(access.types, candidate.resourceType) ? access.types[candidate.resourceType] : access.otherTypes;
      return part ? admits(q, part, candidate) : false;
    }
    case 'filtered':
      return (
        candidate.resourceType === access.filter.resourceType &&
        candidate.resource !== undefined &&
        access.filter.matches(candidate.resource) &&
        admits(q, access.within, candidate)
      );
    case 'careTeam':
    case 'consent': {
      if (!candidate.compartments.length) return false;
      const stmt = new Statement();
      const row = `SELECT ${stmt.param(candidate.resourceType)}::text AS resource_type, ${stmt.param(candidate.compartments)}::text[] AS compartments`;
      const sql = `SELECT (${accessCondition(access, 'x', stmt)}) AS ok FROM (${row}) x`;
      const { rows } = await q.query<{ ok: boolean }>(sql, stmt.params);
      return rows[0]?.ok === true;
    }
  }
}
