-- Every change that decides whether a token is still accepted (signing keys, clients, a grant's
-- revocation, a revoked access token) notifies channel haven_auth in its own transaction, so that
-- every Haven process can keep that state in memory and drop it the moment it changes
-- (src/store/notifications.ts). Triggers rather than a pg_notify in each write path: `haven keys
-- rotate`, `haven users disable`, a logout and an admin's revocation all notify, whichever code
-- made the change. The payload names the table; listeners drop all of their auth state on any.
CREATE FUNCTION haven_auth_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('haven_auth', TG_TABLE_NAME);
  RETURN NULL;
END $$;

CREATE TRIGGER auth_signing_key_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth_signing_key
  FOR EACH STATEMENT EXECUTE FUNCTION haven_auth_notify();
CREATE TRIGGER auth_client_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth_client
  FOR EACH STATEMENT EXECUTE FUNCTION haven_auth_notify();
-- Grants change at every refresh (new tokens); only a revocation or a deletion matters here.
CREATE TRIGGER oauth_grant_revoked_notify AFTER UPDATE OF revoked_at ON oauth_grant
  FOR EACH STATEMENT EXECUTE FUNCTION haven_auth_notify();
CREATE TRIGGER oauth_grant_deleted_notify AFTER DELETE OR TRUNCATE ON oauth_grant
  FOR EACH STATEMENT EXECUTE FUNCTION haven_auth_notify();
CREATE TRIGGER oauth_revoked_token_notify AFTER INSERT ON oauth_revoked_token
  FOR EACH STATEMENT EXECUTE FUNCTION haven_auth_notify();
