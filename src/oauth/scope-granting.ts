// What an app is granted at the authorization endpoint: requested ∩ the client's registered
// maximum ∩ what the person's identity allows ∩ what they approved on the consent page
// (reference/smart-app-launch.md 5). Nothing unrequested is ever added, and v1 scopes come back in v1.
import type { RestrictionCriteria } from '../auth/restriction.js';
import { evaluable, factor, intersect } from '../auth/scope-mediation.js';
import { formatScope, parseScopes, type ResourceScope } from '../auth/scopes.js';

/** Context and identity scopes Haven understands at the authorization endpoint. */
export const LAUNCH_SCOPES = ['launch', 'launch/patient', 'openid', 'fhirUser', 'offline_access', 'online_access'] as const;

export type IdentityKind = 'Patient' | 'Practitioner' | 'RelatedPerson';

export interface Offer {
  /** The scopes that may be granted, in the order asked: the consent page's checkboxes. */
  grantable: string[];
  /** Scopes that break the grammar or name unknown types. */
  invalid: string[];
}

/** The scopes this person may grant this client from the request (before consent). */
export function offerScopes(
  requested: string,
  registered: string,
  identity: IdentityKind,
  resourceTypes: ReadonlySet<string>,
  /** Evaluates query restrictions (the search engine): those it cannot are not offered. */
  criteria: RestrictionCriteria,
): Offer {
  const asked = parseScopes(requested);
  const allowed = parseScopes(registered);
  const invalid = [...asked.invalid, ...asked.resources.filter((s) => s.resourceType !== '*' && !resourceTypes.has(s.resourceType)).map(formatScope)];
  const contexts = identity === 'Patient' ? ['patient'] : ['patient', 'user'];
  const resources: ResourceScope[] = [];
  for (const want of asked.resources) {
    if (!contexts.includes(want.context)) continue; // system/ never, user/ not for a patient's own login
    if (want.resourceType !== '*' && !resourceTypes.has(want.resourceType)) continue;
    for (const have of allowed.resources.filter((s) => s.context === want.context)) {
      const scope = intersect(want, have);
      if (scope && evaluable(scope, criteria)) resources.push(scope);
    }
  }
  let others = asked.others.filter((o) => (LAUNCH_SCOPES as readonly string[]).includes(o) && allowed.others.includes(o));
  // offline_access with online_access: offline only. fhirUser means nothing without openid.
  if (others.includes('offline_access')) others = others.filter((o) => o !== 'online_access');
  if (!others.includes('openid')) others = others.filter((o) => o !== 'fhirUser');
  return { grantable: [...new Set([...others, ...factor(resources).map(formatScope)])], invalid };
}

/** The approved subset: the checked boxes, never anything outside what was offered. */
export function approvedScopes(offered: string[], checked: string[]): string[] {
  const chosen = new Set(checked);
  let granted = offered.filter((s) => chosen.has(s));
  if (!granted.includes('openid')) granted = granted.filter((o) => o !== 'fhirUser');
  return granted;
}

/** Whether resource access in these scopes needs a patient in context (patient/ scopes). */
export function needsPatient(scopes: string[]): boolean {
  return parseScopes(scopes.join(' ')).resources.some((s) => s.context === 'patient');
}

/** The requested scope is narrower or equal to the granted one (refresh with scope=...). */
export function withinGrant(requested: string, granted: string): { ok: boolean; scope: string } {
  const grantedSet = new Set(granted.split(' ').filter(Boolean));
  const asked = [...new Set(requested.split(' ').filter(Boolean))];
  const ok = asked.length > 0 && asked.every((s) => grantedSet.has(s));
  return { ok, scope: asked.join(' ') };
}

/** Plain words for a scope on the consent page. */
export function describeScope(scope: string): string {
  switch (scope) {
    case 'openid':
      return 'Know who you are (your name and role)';
    case 'fhirUser':
      return 'Read your own record as a user of Haven';
    case 'offline_access':
      return 'Keep access when you are not signed in (up to 90 days, until you revoke it)';
    case 'online_access':
      return 'Keep access while you stay signed in';
    case 'launch':
    case 'launch/patient':
      return 'Know which patient record is open';
  }
  const parsed = parseScopes(scope).resources[0];
  if (!parsed) return scope;
  const verbs = parsed.letters.map((l) => ({ c: 'create', r: 'read', u: 'change', d: 'delete', s: 'search' })[l]);
  const what = parsed.resourceType === '*' ? 'all kinds of health records' : `${plural(parsed.resourceType)}`;
  const whose = parsed.context === 'patient' ? 'of the selected patient' : 'of the patients you care for';
  const filter = parsed.restriction ? ` (only ${parsed.restriction.map(([n, v]) => `${n} ${v}`).join(', ')})` : '';
  return `${capitalise(list(verbs))} ${what} ${whose}${filter}`;
}

function plural(type: string): string {
  const words = type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.endsWith('s') ? words : words.endsWith('y') ? `${words.slice(0, -1)}ies` : `${words}s`;
}

function list(words: string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Scopes asking for something out of the ordinary, flagged on the consent page. */
export function isBroad(scope: string): boolean {
  return scope === 'offline_access' || /\/\*\./.test(scope);
}
