-- SMART authorization: registered backend-service clients, the client-assertion ids already used
-- (replay protection shared by every instance), Haven's signing keys for deployments that keep them
-- in the database, and the indexes behind the care-team and Consent access rules.

CREATE TABLE auth_client (
  client_id     text        PRIMARY KEY,
  client_name   text        NOT NULL,
  -- The scopes the client is pre-authorised for (space separated); a token never grants more.
  scope         text        NOT NULL,
  -- The client's public keys: inline, or a URL to fetch them from (exactly one).
  jwks          jsonb,
  jwks_uri      text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- Set when an admin revokes the client: its assertions and the tokens issued to it stop working.
  revoked_at    timestamptz,
  CONSTRAINT auth_client_one_key_source CHECK ((jwks IS NULL) <> (jwks_uri IS NULL))
);

-- Each client assertion's jti, kept until the assertion expires, so that it cannot be replayed on
-- this or any other instance.
CREATE TABLE auth_assertion_jti (
  issuer     text        NOT NULL,
  jti        text        NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (issuer, jti)
);
CREATE INDEX auth_assertion_jti_expires ON auth_assertion_jti (expires_at);

-- Haven's own token-signing keys when DATABASE_URL is used without KEYS_DIR: the newest is the
-- current key, the one before it is still published and accepted while tokens signed with it live.
CREATE TABLE auth_signing_key (
  kid         text        PRIMARY KEY,
  private_jwk jsonb       NOT NULL,
  public_jwk  jsonb       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Care relationships are evaluated at every request of a clinician or relative: find the CareTeams
-- that list a member, a Practitioner's PractitionerRoles and the Consents naming an actor without
-- reading every resource.
CREATE INDEX resource_careteam_participant ON resource USING gin (((content::jsonb) -> 'participant') jsonb_path_ops)
  WHERE resource_type = 'CareTeam' AND NOT deleted;
CREATE INDEX resource_practitionerrole_practitioner ON resource ((((content::jsonb) -> 'practitioner') ->> 'reference'))
  WHERE resource_type = 'PractitionerRole' AND NOT deleted;
CREATE INDEX resource_consent_actor ON resource USING gin (((content::jsonb) #> '{provision,actor}') jsonb_path_ops)
  WHERE resource_type = 'Consent' AND NOT deleted;
