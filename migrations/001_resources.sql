-- Storage for every FHIR R4 resource type: the current version of each resource, and every version
-- ever written. One table for all types: EHRs send what they send, and the search index tables
-- that join to it are shared by all types too.

CREATE TABLE resource (
  -- Surrogate key the search index rows point at: 8 bytes instead of (type, id).
  rid           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  resource_type text        NOT NULL,
  id            text        NOT NULL,
  version_id    integer     NOT NULL,
  last_updated  timestamptz NOT NULL,
  deleted       boolean     NOT NULL DEFAULT false,
  -- The resource exactly as served (id and meta set), so reads return it without parse/stringify.
  -- NULL once deleted.
  content       text,
  -- The compartments the current version belongs to, e.g. {Patient/123}: the access rule for
  -- patient-confined tokens is a single GIN-indexed overlap test.
  compartments  text[]      NOT NULL DEFAULT '{}',
  CONSTRAINT resource_type_id UNIQUE (resource_type, id),
  CONSTRAINT resource_deleted_has_no_content CHECK (deleted = (content IS NULL))
);

CREATE INDEX resource_compartments ON resource USING gin (compartments);
CREATE INDEX resource_type_last_updated ON resource (resource_type, last_updated);

CREATE TABLE resource_history (
  resource_type text        NOT NULL,
  id            text        NOT NULL,
  version_id    integer     NOT NULL,
  last_updated  timestamptz NOT NULL,
  deleted       boolean     NOT NULL,
  -- The HTTP verb that made this version (POST, PUT, PATCH, DELETE): history Bundles report it as
  -- entry.request.method and the audit trail derives the interaction from it.
  method        text        NOT NULL CHECK (method IN ('POST', 'PUT', 'PATCH', 'DELETE')),
  content       text,
  -- Compartments of this version, so that history is filtered by the same rule as reads.
  compartments  text[]      NOT NULL DEFAULT '{}',
  PRIMARY KEY (resource_type, id, version_id),
  CONSTRAINT history_deleted_has_no_content CHECK (deleted = (content IS NULL))
);

-- Keyset paging of system and type history, newest first.
CREATE INDEX resource_history_system ON resource_history (last_updated, resource_type, id, version_id);
CREATE INDEX resource_history_type ON resource_history (resource_type, last_updated, id, version_id);
CREATE INDEX resource_history_compartments ON resource_history USING gin (compartments);
