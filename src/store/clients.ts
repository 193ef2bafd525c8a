// Registered SMART backend-service clients, and the client-assertion ids they have used. The auth
// layer decides; this file only stores.
import type { Queryable } from './db.js';

export interface ClientRecord {
  clientId: string;
  clientName: string;
  scope: string;
  jwks?: { keys: unknown[] };
  jwksUri?: string;
  createdAt: Date;
  revokedAt?: Date;
  /** SMART App Launch: exact redirect URIs, grant types and how the client authenticates. */
  redirectUris: string[];
  grantTypes: string[];
  authMethod: 'none' | 'client_secret_basic' | 'private_key_jwt';
  /** SHA-256 of the client_secret (client_secret_basic only). */
  secretHash?: Buffer;
  launchUri?: string;
}

interface ClientRow {
  client_id: string;
  client_name: string;
  scope: string;
  jwks: { keys: unknown[] } | null;
  jwks_uri: string | null;
  created_at: Date;
  revoked_at: Date | null;
  redirect_uris: string[];
  grant_types: string[];
  token_endpoint_auth_method: ClientRecord['authMethod'];
  client_secret_hash: Buffer | Uint8Array | null;
  launch_uri: string | null;
}

const COLUMNS =
  'client_id, client_name, scope, jwks, jwks_uri, created_at, revoked_at, redirect_uris, grant_types, token_endpoint_auth_method, client_secret_hash, launch_uri';

export async function insertClient(
  q: Queryable,
  client: {
    clientId: string;
    clientName: string;
    scope: string;
    jwks?: object;
    jwksUri?: string;
    redirectUris?: string[];
    grantTypes?: string[];
    authMethod?: ClientRecord['authMethod'];
    secretHash?: Buffer;
    launchUri?: string;
  },
): Promise<ClientRecord> {
  const { rows } = await q.query<ClientRow>(
    `INSERT INTO auth_client (client_id, client_name, scope, jwks, jwks_uri, redirect_uris, grant_types, token_endpoint_auth_method,
        client_secret_hash, launch_uri)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6::text[], $7::text[], $8, $9, $10) RETURNING ${COLUMNS}`,
    [
      client.clientId,
      client.clientName,
      client.scope,
      client.jwks ? JSON.stringify(client.jwks) : null,
      client.jwksUri ?? null,
      client.redirectUris ?? [],
      client.grantTypes ?? ['client_credentials'],
      client.authMethod ?? 'private_key_jwt',
      client.secretHash ?? null,
      client.launchUri ?? null,
    ],
  );
  return toClient(rows[0]);
}

/** A registered client. An id PostgreSQL text cannot hold (NUL) names none: every caller (the
 * token endpoint's assertions, introspection, revocation) gets undefined, not a database error. */
export async function findClient(q: Queryable, clientId: string): Promise<ClientRecord | undefined> {
  if (clientId.includes('\0')) return undefined;
  const { rows } = await q.query<ClientRow>(`SELECT ${COLUMNS} FROM auth_client WHERE client_id = $1`, [clientId]);
  return rows[0] && toClient(rows[0]);
}

export async function listClients(q: Queryable): Promise<ClientRecord[]> {
  const { rows } = await q.query<ClientRow>(`SELECT ${COLUMNS} FROM auth_client ORDER BY created_at, client_id`);
  return rows.map(toClient);
}

/** Marks the client revoked; false when there is no such client. Revoking twice keeps the first time. */
export async function revokeClient(q: Queryable, clientId: string): Promise<boolean> {
  const { rowCount } = await q.query('UPDATE auth_client SET revoked_at = coalesce(revoked_at, now()) WHERE client_id = $1', [clientId]);
  return rowCount > 0;
}

/** Whether the client exists and is not revoked: checked for every request made with its tokens. */
export async function isClientActive(q: Queryable, clientId: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM auth_client WHERE client_id = $1 AND revoked_at IS NULL', [clientId]);
  return rows.length > 0;
}

/**
 * Records a client assertion's jti until it expires; false when that issuer already used it (a
 * replay). Expired ids are cleared in the same statement, so the table stays small.
 */
export async function recordAssertionId(q: Queryable, issuer: string, jti: string, expiresAt: Date): Promise<boolean> {
  const { rows } = await q.query(
    `WITH expired AS (DELETE FROM auth_assertion_jti WHERE expires_at < now())
     INSERT INTO auth_assertion_jti (issuer, jti, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (issuer, jti) DO NOTHING RETURNING 1`,
    [issuer, jti, expiresAt.toISOString()],
  );
  return rows.length > 0;
}

function toClient(row: ClientRow): ClientRecord {
  return {
    clientId: row.client_id,
    clientName: row.client_name,
    scope: row.scope,
    ...(row.jwks ? { jwks: row.jwks } : {}),
    ...(row.jwks_uri ? { jwksUri: row.jwks_uri } : {}),
    createdAt: row.created_at,
    ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}),
    redirectUris: row.redirect_uris,
    grantTypes: row.grant_types,
    authMethod: row.token_endpoint_auth_method,
    ...(row.client_secret_hash ? { secretHash: Buffer.from(row.client_secret_hash) } : {}),
    ...(row.launch_uri ? { launchUri: row.launch_uri } : {}),
  };
}

/** Replaces a client's redirect URIs and launch URL (a registration Haven manages itself); false when there is no such client. */
export async function setClientUris(q: Queryable, clientId: string, redirectUris: string[], launchUri: string | undefined): Promise<boolean> {
  const { rowCount } = await q.query('UPDATE auth_client SET redirect_uris = $2::text[], launch_uri = $3 WHERE client_id = $1', [
    clientId,
    redirectUris,
    launchUri ?? null,
  ]);
  return rowCount > 0;
}
