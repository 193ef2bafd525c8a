-- SMART App Launch: people who sign in, the apps they sign in to, and every piece of sign-in state
-- (pending authorization requests, login sessions, codes, grants with their refresh tokens,
-- launch handles, login throttling). All of it lives here, not in memory, so that any instance
-- serves any step of a sign-in. Secrets (codes, refresh tokens, session ids, client secrets,
-- launch handles) are stored as SHA-256 hashes only.

-- Apps that sign people in: redirect URIs, grant types and how they authenticate at /auth/token.
-- Backend services registered before keep their defaults (client_credentials, private_key_jwt).
ALTER TABLE auth_client DROP CONSTRAINT auth_client_one_key_source;
ALTER TABLE auth_client
  ADD COLUMN redirect_uris text[] NOT NULL DEFAULT '{}',
  ADD COLUMN grant_types text[] NOT NULL DEFAULT '{client_credentials}',
  ADD COLUMN token_endpoint_auth_method text NOT NULL DEFAULT 'private_key_jwt'
    CHECK (token_endpoint_auth_method IN ('none', 'client_secret_basic', 'private_key_jwt')),
  ADD COLUMN client_secret_hash bytea,
  ADD COLUMN launch_uri text,
  -- Keys for private_key_jwt only: inline or by URL, never both.
  ADD CONSTRAINT auth_client_key_source CHECK (
    (token_endpoint_auth_method = 'private_key_jwt' AND (jwks IS NULL) <> (jwks_uri IS NULL))
    OR (token_endpoint_auth_method <> 'private_key_jwt' AND jwks IS NULL AND jwks_uri IS NULL)),
  ADD CONSTRAINT auth_client_secret CHECK ((token_endpoint_auth_method = 'client_secret_basic') = (client_secret_hash IS NOT NULL));

-- People who sign in. The password is a scrypt hash in the form scrypt$<log2 N>$<r>$<p>$<salt>$<key>.
CREATE TABLE oauth_user (
  username      text        PRIMARY KEY CHECK (username ~ '^[A-Za-z0-9._@-]{1,100}$'),
  password_hash text        NOT NULL,
  -- The FHIR identity the person acts as: Practitioner/ID, Patient/ID or RelatedPerson/ID.
  fhir_user     text        NOT NULL CHECK (fhir_user ~ '^(Practitioner|Patient|RelatedPerson)/[A-Za-z0-9.-]{1,64}$'),
  -- A stable subject for tokens and id_tokens that is never reused, even if the username is.
  subject       uuid        NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  disabled_at   timestamptz
);

-- An authorization request that passed the client and redirect URI checks, waiting for the person
-- to sign in, pick a patient and consent. The pages carry only its id and CSRF token; the request
-- itself is reloaded from here at every step. `browser_hash` binds it to the browser that began it.
CREATE TABLE oauth_pending (
  id            text        PRIMARY KEY,
  csrf_token    text        NOT NULL,
  browser_hash  bytea       NOT NULL,
  client_id     text        NOT NULL REFERENCES auth_client (client_id) ON DELETE CASCADE,
  redirect_uri  text        NOT NULL,
  scope         text        NOT NULL,
  state         text        NOT NULL,
  code_challenge text       NOT NULL,
  nonce         text,
  launch_patient   text,
  launch_encounter text,
  -- Set once the person has signed in, and once they picked a patient.
  username      text        REFERENCES oauth_user (username) ON DELETE CASCADE,
  session_hash  bytea,
  patient       text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);
CREATE INDEX oauth_pending_expires ON oauth_pending (expires_at);

-- Login sessions (HttpOnly cookie). online_access refresh tokens live only as long as their session.
CREATE TABLE oauth_session (
  hash          bytea       PRIMARY KEY,
  username      text        NOT NULL REFERENCES oauth_user (username) ON DELETE CASCADE,
  auth_time     timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  ended_at      timestamptz
);
CREATE INDEX oauth_session_expires ON oauth_session (expires_at);

-- What a person granted an app: the root of every code, access token and refresh token issued
-- from one authorization. Revoking the grant ends all of them (access tokens carry its id).
CREATE TABLE oauth_grant (
  id            uuid        PRIMARY KEY,
  client_id     text        NOT NULL REFERENCES auth_client (client_id) ON DELETE CASCADE,
  username      text        NOT NULL REFERENCES oauth_user (username) ON DELETE CASCADE,
  scope         text        NOT NULL,
  patient       text,
  encounter     text,
  -- online_access: the session the grant lives with; NULL for offline_access or no refresh.
  session_hash  bytea,
  auth_time     timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz,
  revoked_why   text
);
CREATE INDEX oauth_grant_revoked ON oauth_grant (id) WHERE revoked_at IS NOT NULL;

-- Authorization codes: single use, short lived, bound to everything the token request must repeat.
CREATE TABLE oauth_code (
  hash          bytea       PRIMARY KEY,
  grant_id      uuid        NOT NULL REFERENCES oauth_grant (id) ON DELETE CASCADE,
  redirect_uri  text        NOT NULL,
  code_challenge text       NOT NULL,
  nonce         text,
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz
);
CREATE INDEX oauth_code_expires ON oauth_code (expires_at);

-- Refresh tokens. Each refresh retires the token it used and issues the next: a retired token seen
-- again means it was stolen, and the whole grant is revoked.
CREATE TABLE oauth_refresh_token (
  hash          bytea       PRIMARY KEY,
  grant_id      uuid        NOT NULL REFERENCES oauth_grant (id) ON DELETE CASCADE,
  scope         text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  retired_at    timestamptz
);
CREATE INDEX oauth_refresh_token_grant ON oauth_refresh_token (grant_id);

-- Access tokens revoked one by one (RFC 7009 with an access token): by jti until they expire.
CREATE TABLE oauth_revoked_token (
  jti           text        PRIMARY KEY,
  expires_at    timestamptz NOT NULL
);
CREATE INDEX oauth_revoked_token_expires ON oauth_revoked_token (expires_at);

-- EHR launch handles (POST /auth/launch): an opaque value carrying the patient and encounter.
CREATE TABLE oauth_launch (
  hash          bytea       PRIMARY KEY,
  patient       text        NOT NULL,
  encounter     text,
  client_id     text        REFERENCES auth_client (client_id) ON DELETE CASCADE,
  created_by    text,
  expires_at    timestamptz NOT NULL
);
CREATE INDEX oauth_launch_expires ON oauth_launch (expires_at);

-- Failed sign-ins per username and per address ('user:<name>' / 'addr:<ip>'), counted in windows.
-- Only failures count, so a clinic signing in from one address is not slowed by its successes.
CREATE TABLE oauth_login_throttle (
  key           text        PRIMARY KEY,
  failures      integer     NOT NULL,
  window_start  timestamptz NOT NULL,
  blocked_until timestamptz
);
