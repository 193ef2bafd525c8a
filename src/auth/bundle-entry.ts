// Batch and transaction Bundles have no scopes of their own: each entry is authorized as if it were
// a separate request (SMART App Launch 2.x). The Bundle processor calls `authorizeEntry` for every
// entry and runs that entry's store calls with the Access it returns (`store.as(access)`); a
// transaction fails whole on the first 403, a batch answers that entry with it.
import type { Interaction } from '../grammar/interaction.js';
import type { Access } from '../store/context.js';
import type { Authorizer } from './authorize.js';
import type { Grant } from './grant.js';

/** The interaction an entry asks for, by method and URL shape (as the Bundle processor reads it). */
export type BundleEntryKind =
  'create' | 'update' | 'conditional-update' | 'patch' | 'conditional-patch' | 'delete' | 'conditional-delete' | 'read' | 'vread' | 'search';

const INTERACTIONS: Record<BundleEntryKind, Interaction> = {
  create: 'create',
  update: 'update',
  'conditional-update': 'conditional-update',
  patch: 'patch',
  'conditional-patch': 'conditional-patch',
  delete: 'delete',
  'conditional-delete': 'conditional-delete',
  read: 'read',
  vread: 'vread',
  search: 'search-type',
};

export function entryInteraction(entry: { kind: BundleEntryKind; ifNoneExist?: unknown }): Interaction {
  if (entry.kind === 'create' && entry.ifNoneExist !== undefined) return 'conditional-create';
  return INTERACTIONS[entry.kind];
}

/** The Access for one entry, or a 403 FhirError naming the permission the token lacks. */
export function authorizeEntry(authorizer: Authorizer, grant: Grant, entry: { kind: BundleEntryKind; type: string; ifNoneExist?: unknown }): Access {
  return authorizer.authorize(grant, { interaction: entryInteraction(entry), resourceType: entry.type });
}

/**
 * A conditional reference (`Patient?identifier=...`) in a Bundle resource is a search on its type:
 * the token must be allowed to search it, and only what it may see can match.
 */
export function authorizeConditionalReference(authorizer: Authorizer, grant: Grant, resourceType: string): Access {
  return authorizer.authorize(grant, { interaction: 'search-type', resourceType });
}
