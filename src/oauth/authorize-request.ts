// The authorization request (GET query or POST form), checked in the order of
// reference/smart-app-launch.md 3: client_id and redirect_uri first (failures there get a page and
// redirect nowhere), then everything else, whose failures redirect to the app with `error` and `state`.
import type { FastifyRequest } from 'fastify';
import type { Services } from '../runtime.js';
import { findClient, type ClientRecord } from '../store/clients.js';
import { parseScopes } from '../auth/scopes.js';
import { sha256 } from './secrets.js';
import { findLaunch } from '../store/oauth/state.js';

export type AuthorizeErrorCode =
  | 'invalid_request'
  | 'unauthorized_client'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'server_error'
  | 'login_required'
  | 'consent_required'
  | 'request_not_supported';

/** A failure before the redirect URI is trusted: shown as a page, never redirected. */
export class UntrustedRequest extends Error {}

/** A failure redirected to the app. */
export class RedirectedError extends Error {
  constructor(
    readonly code: AuthorizeErrorCode,
    description: string,
    readonly redirectUri: string,
    readonly state: string | undefined,
  ) {
    super(description);
  }
}

export interface AuthorizeRequest {
  client: ClientRecord;
  redirectUri: string;
  scope: string;
  state: string;
  codeChallenge: string;
  nonce?: string;
  launch?: { patient: string; encounter?: string };
  prompt?: string;
}

const KNOWN = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'aud',
  'resource',
  'code_challenge',
  'code_challenge_method',
  'launch',
  'nonce',
  'prompt',
  'request',
  'request_uri',
  'max_age',
  'response_mode',
  'id_token_hint',
  'login_hint',
];
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function requestParams(request: FastifyRequest): URLSearchParams {
  if (request.method === 'POST') {
    if (!(request.body instanceof URLSearchParams)) throw new UntrustedRequest('The authorization request must be a form (application/x-www-form-urlencoded)');
    return request.body;
  }
  const query = request.url.indexOf('?');
  return new URLSearchParams(query < 0 ? '' : request.url.slice(query + 1));
}

export async function checkAuthorizeRequest(services: Services, params: URLSearchParams): Promise<AuthorizeRequest> {
  const one = (name: string) => {
    const values = params.getAll(name);
    return values.length === 1 ? values[0] : undefined;
  };
  const clientId = one('client_id');
  if (!clientId) throw new UntrustedRequest('The request names no client_id (or names it more than once)');
  // PostgreSQL text cannot hold NUL: such a value is answered here, not by a database error (500).
  if (clientId.includes('\0')) throw new UntrustedRequest('This app (client_id) is not registered with Haven');
  const client = await findClient(services.db, clientId);
  if (!client || client.revokedAt) throw new UntrustedRequest('This app (client_id) is not registered with Haven');
  if (!client.grantTypes.includes('authorization_code')) throw new UntrustedRequest('This app is not registered for signing people in (authorization_code)');
  const redirectUri = one('redirect_uri');
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
    throw new UntrustedRequest('The redirect_uri is missing or is not exactly one the app registered');
  }

  const state = one('state');
  const fail = (code: AuthorizeErrorCode, description: string) => new RedirectedError(code, description, redirectUri, state);
  const repeated = KNOWN.find((name) => params.getAll(name).length > 1);
  if (repeated) throw fail('invalid_request', `${repeated} appears more than once`);
  const withNul = KNOWN.find((name) => params.get(name)?.includes('\0'));
  if (withNul) throw fail('invalid_request', `${withNul} holds a NUL character`);
  if (params.has('request') || params.has('request_uri')) throw fail('request_not_supported', 'Request objects are not supported');
  const responseType = one('response_type');
  if (!responseType) throw fail('invalid_request', 'response_type is required');
  if (responseType !== 'code') throw fail('unsupported_response_type', 'Only response_type=code is supported');
  const scope = one('scope')?.split(' ').filter(Boolean).join(' ');
  if (!scope) throw fail('invalid_scope', 'scope is required');
  if (!state) throw fail('invalid_request', 'state is required');
  const aud = one('aud') ?? one('resource');
  const base = services.config.fhirBaseUrl;
  if (!aud) throw fail('invalid_request', `aud is required: the FHIR base ${base}`);
  if (aud !== base && aud !== `${base}/`) throw fail('invalid_request', `aud must be this server's FHIR base ${base}`);
  const method = one('code_challenge_method');
  const challenge = one('code_challenge');
  if (!challenge) throw fail('invalid_request', 'code_challenge is required (PKCE)');
  if (!method) throw fail('invalid_request', 'code_challenge_method is required: S256');
  if (method !== 'S256') throw fail('invalid_request', 'code_challenge_method must be S256 (plain is not supported)');
  if (!CHALLENGE.test(challenge)) throw fail('invalid_request', 'code_challenge must be 43 base64url characters (S256)');
  let launch: AuthorizeRequest['launch'];
  const handle = one('launch');
  if (handle !== undefined) {
    const found = await findLaunch(services.db, sha256(handle));
    if (!found) throw fail('invalid_request', 'The launch value is unknown or has expired');
    if (found.clientId && found.clientId !== client.clientId) throw fail('invalid_request', 'The launch value was issued for another app');
    launch = { patient: found.patient, ...(found.encounter ? { encounter: found.encounter } : {}) };
  }
  const parsed = parseScopes(scope);
  if (parsed.invalid.length) throw fail('invalid_scope', `Not valid scopes: ${parsed.invalid.join(' ')}`);
  const nonce = one('nonce');
  const prompt = one('prompt');
  return {
    client,
    redirectUri,
    scope,
    state,
    codeChallenge: challenge,
    ...(nonce ? { nonce } : {}),
    ...(launch ? { launch } : {}),
    ...(prompt ? { prompt } : {}),
  };
}

/** `redirect_uri` with the parameters added (an existing query is kept; no fragment). */
export function redirectTo(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}
