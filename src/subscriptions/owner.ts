// Who a Subscription acts for: the grant of the token that wrote it, kept with it. Matching and
// delivery use what that grant may search and read, re-evaluated each time (care relationships are
// SQL at each statement), so a patient/ token's Subscription only ever reaches that patient, and a
// Subscription stops when its owner's access ends.
import type { Authorizer } from '../auth/authorize.js';
import type { Grant } from '../auth/grant.js';
import type { Interaction } from '../grammar/interaction.js';
import type { Access, Actor } from '../store/context.js';
import { isClientActive } from '../store/clients.js';
import type { Queryable } from '../store/db.js';

/** The parts of a grant that decide access (the raw scope string is not needed). */
export type Owner = Omit<Grant, 'scope'>;

export function ownerOf(grant: Grant): Owner {
  const { scope: _scope, ...owner } = grant;
  return owner;
}

/** The owner as the audit trail names them, for reads made on their behalf (deliveries). */
export function ownerActor(owner: Owner, requestId: string): Actor {
  return {
    requestId,
    ...(owner.clientId ? { clientId: owner.clientId } : {}),
    ...(owner.subject && owner.subject !== owner.clientId ? { subject: owner.subject } : {}),
    ...(owner.fhirUser ? { fhirUser: owner.fhirUser } : {}),
    ...(owner.patient ? { patient: owner.patient } : {}),
  };
}

/**
 * What the owner may reach on `resourceType` for `interaction`, or undefined when nothing: the
 * scopes no longer allow it, or Haven's client that the token was issued to has been revoked.
 */
export async function ownerAccess(
  q: Queryable,
  authorizer: Authorizer,
  owner: Owner,
  interaction: Interaction,
  resourceType: string,
): Promise<Access | undefined> {
  const access = scopeAccess(authorizer, owner, interaction, resourceType);
  return access && (await ownerClientActive(q, owner)) ? access : undefined;
}

/** What the owner's scopes reach (no database look-up; see ownerClientActive for the rest). */
export function scopeAccess(authorizer: Authorizer, owner: Owner, interaction: Interaction, resourceType: string): Access | undefined {
  const access = authorizer.tryAuthorize({ ...owner, scope: '' }, { interaction, resourceType });
  return access && access.kind !== 'none' ? access : undefined;
}

/** False once Haven's client that the owner's token was issued to is revoked. */
export async function ownerClientActive(q: Queryable, owner: Owner): Promise<boolean> {
  return !owner.clientId || owner.issuer !== 'haven' || isClientActive(q, owner.clientId);
}

/** Whether two grants are the same party (who may change a Subscription once written). */
export function sameOwner(a: Owner, b: Owner): boolean {
  return a.issuer === b.issuer && a.clientId === b.clientId && a.subject === b.subject && a.patient === b.patient && a.fhirUser === b.fhirUser;
}
