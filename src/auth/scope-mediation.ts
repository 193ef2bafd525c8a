// Granted scope = requested ∩ registered (SMART Backend Services: "grant only what is within the
// client's pre-authorised scope"). The grant is never wider than the registration in any part:
// context, resource type, letters or query restriction.
import { canEvaluate, type RestrictionCriteria } from './restriction.js';
import { formatScope, parseScopes, type ResourceScope } from './scopes.js';

export interface Mediation {
  /** The scopes granted, shortest form first-come. */
  granted: string[];
  /** Requested scopes that break the grammar or name unknown types (Haven answers invalid_scope). */
  invalid: string[];
}

/** Non-resource scopes a backend-service client may hold. */
const GRANTABLE_OTHERS = new Set(['admin']);

/** `criteria` evaluates query restrictions (the search engine): those it cannot are dropped. */
export function mediateScopes(requested: string, registered: string, resourceTypes: ReadonlySet<string>, criteria: RestrictionCriteria): Mediation {
  const asked = parseScopes(requested);
  const allowed = parseScopes(registered);
  const invalid = [...asked.invalid, ...asked.resources.filter((s) => s.resourceType !== '*' && !resourceTypes.has(s.resourceType)).map(formatScope)];
  const granted: ResourceScope[] = [];
  // Backend services have no patient and no user: only system/ scopes mean something here.
  for (const want of asked.resources.filter((s) => s.context === 'system')) {
    for (const have of allowed.resources.filter((s) => s.context === 'system')) {
      const scope = intersect(want, have);
      if (scope && evaluable(scope, criteria)) granted.push(scope);
    }
  }
  const others = asked.others.filter((o) => GRANTABLE_OTHERS.has(o) && allowed.others.includes(o));
  return { granted: [...new Set([...factor(granted).map(formatScope), ...others])], invalid };
}

export function intersect(want: ResourceScope, have: ResourceScope): ResourceScope | undefined {
  if (want.resourceType !== '*' && have.resourceType !== '*' && want.resourceType !== have.resourceType) return undefined;
  const letters = want.letters.filter((l) => have.letters.includes(l));
  if (!letters.length) return undefined;
  const restriction = [...(want.restriction ?? [])];
  for (const pair of have.restriction ?? []) if (!restriction.some(([n, v]) => n === pair[0] && v === pair[1])) restriction.push(pair);
  return {
    context: want.context,
    resourceType: want.resourceType === '*' ? have.resourceType : want.resourceType,
    letters,
    v1: want.v1,
    ...(restriction.length ? { restriction } : {}),
  };
}

/** A restriction must be one Haven can evaluate on its type; on `*` none can be (Haven policy 1.6.6). */
export function evaluable(scope: ResourceScope, criteria: RestrictionCriteria): boolean {
  if (!scope.restriction) return true;
  return scope.resourceType !== '*' && canEvaluate(criteria, scope.resourceType, scope.restriction);
}

/** Drops scopes that another granted scope already covers. */
export function factor(scopes: ResourceScope[]): ResourceScope[] {
  const covers = (a: ResourceScope, b: ResourceScope) =>
    a !== b &&
    a.context === b.context &&
    (a.resourceType === '*' || a.resourceType === b.resourceType) &&
    b.letters.every((l) => a.letters.includes(l)) &&
    (!a.restriction || (a.resourceType === b.resourceType && JSON.stringify(a.restriction) === JSON.stringify(b.restriction)));
  const kept: ResourceScope[] = [];
  scopes.forEach((scope, i) => {
    const coveredByOther = scopes.some((other, j) => covers(other, scope) && (!covers(scope, other) || j < i));
    if (!coveredByOther) kept.push(scope);
  });
  return kept;
}
