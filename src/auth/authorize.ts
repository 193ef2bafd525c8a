// The central permission check: an interaction on a resource type, against the token's scopes,
// gives the Access the store enforces in SQL, or a 403 that names the missing permission. Every
// FHIR and app-records route goes through it (src/auth/hooks.ts); a transaction or batch calls
// `authorize` once per entry.
import { FhirError } from '../errors.js';
import type { Interaction } from '../grammar/interaction.js';
import { ALL_ACCESS, NO_ACCESS, type Access } from '../store/context.js';
import type { Grant } from './grant.js';
import { canEvaluate, restrictionFilter, type RestrictionCriteria } from './restriction.js';
import type { Letter, ResourceScope, ScopeContext } from './scopes.js';

/**
 * The letters each interaction needs. Conditional forms also need `s` on the type (Haven policy):
 * a client must not probe for existence without search rights.
 */
export const INTERACTION_LETTERS: Readonly<Record<Interaction, readonly Letter[]>> = {
  read: ['r'],
  vread: ['r'],
  'history-instance': ['r'],
  'history-type': ['s'],
  'history-system': ['s'],
  'search-type': ['s'],
  'search-system': ['s'],
  create: ['c'],
  'conditional-create': ['c', 's'],
  update: ['u'],
  'conditional-update': ['u', 's'],
  patch: ['u'],
  'conditional-patch': ['u', 's'],
  delete: ['d'],
  'conditional-delete': ['d', 's'],
};

export interface AuthorizationRequest {
  interaction: Interaction;
  /** The type acted on; absent for system-level search and history. */
  resourceType?: string;
  /** System-level search with `_type`: the types touched (each needs `s`). Absent: every type allowed. */
  types?: readonly string[];
}

export interface AuthPolicy {
  /** `all`: user/ scopes reach every patient (USER_ACCESS=all). */
  userAccess: 'care-team' | 'all';
  /** Resource types outside every patient compartment: any user/ token may read them. */
  openTypes: ReadonlySet<string>;
  /** Evaluates query restrictions: the search engine, so they match as its searches do. */
  criteria: RestrictionCriteria;
}

const CONTEXTS: readonly ScopeContext[] = ['system', 'user', 'patient'];
const LETTER_NAMES: Record<Letter, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

export class Authorizer {
  constructor(private readonly policy: AuthPolicy) {}

  /** The access for this interaction, or a 403 FhirError naming the permission that is missing. */
  authorize(grant: Grant, request: AuthorizationRequest): Access {
    const letters = INTERACTION_LETTERS[request.interaction];
    const type = request.resourceType;
    if (type === 'AuditEvent' && (letters.includes('u') || letters.includes('d'))) {
      throw forbidden('No token may change or delete an AuditEvent');
    }
    const parts = letters.map((letter) => {
      const access = type !== undefined ? this.typeAccess(grant, letter, type) : this.systemAccess(grant, letter, request.types);
      if (!access) throw forbidden(this.denial(grant, request.interaction, letter, type, request.types));
      return access;
    });
    return combine(parts);
  }

  /**
   * The same check without the 403: undefined when the token may not. For what is dropped rather
   * than refused, e.g. the resources an `_include` brings in (each must be readable: 'read').
   */
  tryAuthorize(grant: Grant, request: AuthorizationRequest): Access | undefined {
    try {
      return this.authorize(grant, request);
    } catch (error) {
      if (error instanceof FhirError && error.status === 403) return undefined;
      throw error;
    }
  }

  /**
   * One interaction on several types at once, each by its own scopes (an app record stored as
   * several FHIR resources): every type must be allowed.
   */
  authorizeTypes(grant: Grant, interaction: Interaction, resourceTypes: readonly string[]): Access {
    const types: Record<string, Access> = {};
    for (const resourceType of resourceTypes) types[resourceType] = this.authorize(grant, { interaction, resourceType });
    return { kind: 'byType', types };
  }

  /** Access to resources of one type for one letter, or undefined when no scope grants it. */
  typeAccess(grant: Grant, letter: Letter, type: string): Access | undefined {
    if (grant.admin && type === 'AuditEvent' && (letter === 'r' || letter === 's')) return ALL_ACCESS;
    const granting = grant.scopes.filter((s) => (s.resourceType === '*' || s.resourceType === type) && s.letters.includes(letter));
    // Scopes add up: each context contributes its rows (narrowed by its restrictions, if all of its
    // scopes on the type are restricted), and the access is their union.
    const parts: Access[] = [];
    for (const context of CONTEXTS) {
      const scopes = granting.filter((s) => s.context === context);
      if (!scopes.length) continue;
      const rows = this.rows(grant, context, letter, type);
      if (rows.kind === 'none') continue;
      if (scopes.some((s) => !s.restriction)) {
        parts.push(rows);
        continue;
      }
      // Restrictions Haven cannot evaluate grant nothing; the others add up (OR).
      const restrictions = scopes.map((s) => s.restriction!).filter((r) => canEvaluate(this.policy.criteria, type, r));
      const filter = restrictions.length ? restrictionFilter(this.policy.criteria, type, restrictions) : undefined;
      if (filter) parts.push({ kind: 'filtered', within: rows, filter });
    }
    return union(parts);
  }

  /**
   * System-level search and history: each type touched gets the access its own scopes give, and the
   * types only wildcard scopes name share the wildcard's access.
   */
  private systemAccess(grant: Grant, letter: Letter, types: readonly string[] | undefined): Access | undefined {
    if (types) {
      const byType: Record<string, Access> = {};
      for (const type of types) {
        const access = this.typeAccess(grant, letter, type);
        if (!access) return undefined;
        byType[type] = access;
      }
      return { kind: 'byType', types: byType };
    }
    const named = new Set(grant.scopes.filter((s) => s.resourceType !== '*').map((s) => s.resourceType));
    if (grant.admin) named.add('AuditEvent');
    const byType: Record<string, Access> = {};
    for (const type of named) {
      const access = this.typeAccess(grant, letter, type);
      if (access) byType[type] = access;
    }
    const otherTypes = this.wildcardAccess(grant, letter);
    const otherKey = otherTypes && key(otherTypes);
    for (const [type, access] of Object.entries(byType)) if (key(access) === otherKey) delete byType[type];
    if (!Object.keys(byType).length) return otherTypes;
    return { kind: 'byType', types: byType, ...(otherTypes ? { otherTypes } : {}) };
  }

  /** What `*` scopes give on types that no scope names. Restricted wildcards need a type: skipped. */
  private wildcardAccess(grant: Grant, letter: Letter): Access | undefined {
    const granting = grant.scopes.filter((s) => s.resourceType === '*' && !s.restriction && s.letters.includes(letter));
    const contexts = CONTEXTS.filter((context) => granting.some((s) => s.context === context));
    return union(contexts.map((context) => this.rows(grant, context, letter, undefined)).filter((rows) => rows.kind !== 'none'));
  }

  /**
   * Which rows a context reaches. `type` undefined means "any type" (wildcard scopes at system level).
   * Haven policy (reference/smart-scopes.md 1.4): patient/ is the token patient's compartment; user/
   * follows the care relationship of the fhirUser, or every patient with USER_ACCESS=all; resources
   * outside every patient compartment are readable (not writable) by any user/ token.
   */
  private rows(grant: Grant, context: ScopeContext, letter: Letter, type: string | undefined): Access {
    switch (context) {
      case 'system':
        return ALL_ACCESS;
      case 'patient':
        return grant.patient ? { kind: 'compartments', compartments: [`Patient/${grant.patient}`] } : NO_ACCESS;
      case 'user': {
        if (this.policy.userAccess === 'all') return ALL_ACCESS;
        const user = grant.fhirUser;
        if (user?.startsWith('Patient/')) return { kind: 'compartments', compartments: [user] };
        const reads = letter === 'r' || letter === 's';
        if (type !== undefined && this.policy.openTypes.has(type)) return reads ? ALL_ACCESS : NO_ACCESS;
        const relation: Access = user?.startsWith('Practitioner')
          ? { kind: 'careTeam', member: user }
          : user?.startsWith('RelatedPerson/')
            ? { kind: 'consent', actor: user }
            : NO_ACCESS;
        if (type !== undefined || !reads) return relation;
        const open: Access = { kind: 'types', types: [...this.policy.openTypes] };
        return relation.kind === 'none' ? open : { kind: 'anyOf', of: [open, relation] };
      }
    }
  }

  private denial(grant: Grant, interaction: Interaction, letter: Letter, type: string | undefined, types?: readonly string[]): string {
    const target = type ?? (types ? types.find((t) => !this.typeAccess(grant, letter, t)) : undefined);
    const what = target ?? '*';
    let message = `This token's scopes do not allow ${interaction} of ${target ?? 'any resource type'}: it needs ${LETTER_NAMES[letter]} permission, e.g. the scope system/${what}.${letter}, user/${what}.${letter} or patient/${what}.${letter}`;
    const patientScopes = grant.scopes.some((s: ResourceScope) => s.context === 'patient' && s.letters.includes(letter));
    if (patientScopes && !grant.patient) message += ' (its patient/ scopes grant nothing: the token has no patient claim)';
    return message;
  }
}

function forbidden(diagnostics: string): FhirError {
  return new FhirError(
    'scope-missing',
    403,
    { severity: 'error', code: 'forbidden', diagnostics },
    { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' },
  );
}

/** The union of what several contexts reach; `all` absorbs the rest. */
function union(parts: Access[]): Access | undefined {
  if (!parts.length) return undefined;
  if (parts.some((p) => p.kind === 'all')) return ALL_ACCESS;
  return parts.length === 1 ? parts[0] : { kind: 'anyOf', of: parts };
}

function combine(parts: Access[]): Access {
  const unique = [...new Map(parts.map((p) => [key(p), p])).values()];
  return unique.length === 1 ? unique[0] : { kind: 'allOf', of: unique };
}

/** A comparable form of an access (filters compare by their criteria). */
function key(access: Access): string {
  return JSON.stringify(access);
}
