-- The audit trail: an append-only log, partitioned by month, written by the database itself in the
-- transaction that changes or reads the data, each row chained to the one before it by a SHA-256
-- hash. docs/audit.md explains the design and its trade-offs.

-- Who acts, as the request pipeline set it for this transaction (Store.transaction puts the JSON of
-- Actor into the transaction-local setting haven.actor). A change without it is refused.
CREATE FUNCTION audit_actor() RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  raw text := current_setting('haven.actor', true);
BEGIN
  IF raw IS NULL OR raw = '' THEN
    RAISE EXCEPTION 'haven: a change without audit context is refused'
      USING HINT = 'Write through Store.transaction, or set haven.actor with set_config(''haven.actor'', <actor JSON>, true)';
  END IF;
  RETURN raw::jsonb;
END
$$;

CREATE FUNCTION audit_require_actor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM audit_actor();
  RETURN NULL;
END
$$;

-- AuditEvents are the server's own record; no client can store one (the FHIR routes answer 405).
ALTER TABLE resource ADD CONSTRAINT resource_is_not_audit_event CHECK (resource_type <> 'AuditEvent');
ALTER TABLE resource_history ADD CONSTRAINT history_is_not_audit_event CHECK (resource_type <> 'AuditEvent');

-- The chains. Concurrent transactions each take one of these heads (preferring their session's
-- own, skipping heads that others hold) and keep it until they end, so the rows of one chain are
-- committed in chain order while different transactions never queue on one lock.
CREATE TABLE audit_chain (
  chain    smallint PRIMARY KEY,
  -- Position, hash and time of the chain's last row (0 and the genesis hash while it is empty).
  seq      bigint      NOT NULL,
  hash     bytea       NOT NULL,
  recorded timestamptz NOT NULL
) WITH (fillfactor = 10);

INSERT INTO audit_chain (chain, seq, hash, recorded)
  SELECT c, 0, sha256(convert_to('haven audit chain ' || c, 'UTF8')), '-infinity' FROM generate_series(0, 31) AS c;

-- One row per audited event. Columns map to AuditEvent elements (src/audit/auditevent.ts).
CREATE TABLE audit_log (
  -- Set by the column default when the row is inserted: the partition key cannot be changed by a
  -- BEFORE trigger, and the chaining trigger refuses any other value.
  recorded       timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- A UUIDv7 whose time part is `recorded` (to the millisecond), so a read by id finds its partition.
  id             uuid        NOT NULL,
  chain          smallint    NOT NULL,
  seq            bigint      NOT NULL,
  prev_hash      bytea       NOT NULL,
  hash           bytea       NOT NULL,
  action         text        NOT NULL CHECK (action IN ('C', 'R', 'U', 'D', 'E')),
  -- A code of http://hl7.org/fhir/restful-interaction (AuditEvent.subtype).
  interaction    text        NOT NULL,
  outcome        smallint    NOT NULL CHECK (outcome IN (0, 4, 8, 12)),
  outcome_desc   text,
  request_id     text,
  client_id      text,
  subject        text,
  fhir_user      text,
  launch_patient text,
  source_address text,
  -- The resource the interaction targets (type alone for type-level interactions).
  entity_type    text,
  entity_id      text,
  entity_version integer,
  -- The request (path and query below the FHIR base) of searches and histories.
  query          text,
  -- How many resources the answer carried (reads, histories, searches).
  result_count   integer,
  -- Type/id of every resource the event concerns: the one written or read, or all returned.
  entity_refs    text[]      NOT NULL DEFAULT '{}',
  -- Compartments of those resources, e.g. {Patient/123}: the patient search and patient-confined
  -- access use them, as they use resource.compartments.
  compartments   text[]      NOT NULL DEFAULT '{}',
  PRIMARY KEY (recorded, id)
) PARTITION BY RANGE (recorded);

CREATE INDEX audit_log_chain ON audit_log (chain, seq);
CREATE INDEX audit_log_compartments ON audit_log USING gin (compartments);
CREATE INDEX audit_log_entity_refs ON audit_log USING gin (entity_refs);
-- A patient acting on their own behalf is in the event's patient compartment too (R4: the patient
-- search parameter is agent.who or entity.what that is a Patient).
CREATE INDEX audit_log_patient_agent ON audit_log (fhir_user) WHERE fhir_user LIKE 'Patient/%';

-- What each row's hash covers, in a form that does not depend on session settings (time zone,
-- date style): a JSON array of the content columns, the time as microseconds since the epoch.
-- Scalar arguments rather than a row, so that new columns never change the hash of old rows.
-- Verification uses this function; the chaining trigger writes the same expression out.
CREATE FUNCTION audit_canonical(
  id uuid, chain smallint, seq bigint, recorded timestamptz, action text, interaction text,
  outcome smallint, outcome_desc text, request_id text, client_id text, subject text, fhir_user text,
  launch_patient text, source_address text, entity_type text, entity_id text, entity_version integer,
  query text, result_count integer, entity_refs text[], compartments text[]
) RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT convert_to(json_build_array(
    id::text, chain, seq, (extract(epoch FROM recorded) * 1000000)::bigint, action, interaction,
    outcome, outcome_desc, request_id, client_id, subject, fhir_user, launch_patient, source_address,
    entity_type, entity_id, entity_version, query, result_count, entity_refs, compartments
  )::text, 'UTF8')
$$;

-- Links every new row into a chain: takes a chain head (see audit_chain), numbers the row, gives
-- it a UUIDv7 of its time (48 bits of Unix milliseconds, version 7, random bits), and hashes its
-- content with the previous row's hash.
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  held text := current_setting('haven.audit_chain', true);
  preferred smallint := pg_backend_pid() % 32;
  head audit_chain%ROWTYPE;
BEGIN
  IF abs(extract(epoch FROM NEW.recorded - clock_timestamp())) > 60 THEN
    RAISE EXCEPTION 'haven: audit rows are recorded at the current time, not %', NEW.recorded;
  END IF;
  IF held IS NOT NULL AND held <> '' THEN
    -- This transaction already holds a chain: all its rows go there, in order.
    SELECT * INTO head FROM audit_chain WHERE chain = held::smallint FOR UPDATE;
  ELSE
    -- This session's own chain is nearly always free (a session runs one transaction at a time);
    -- otherwise the next free one.
    SELECT * INTO head FROM audit_chain WHERE chain = preferred FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
      SELECT * INTO head FROM audit_chain
        ORDER BY (chain - preferred + 32768) % 32768
        LIMIT 1 FOR UPDATE SKIP LOCKED;
    END IF;
    IF NOT FOUND THEN
      -- Every chain is held by a running transaction: wait for this session's own.
      SELECT * INTO head FROM audit_chain WHERE chain = preferred FOR UPDATE;
    END IF;
    PERFORM set_config('haven.audit_chain', head.chain::text, true);
  END IF;
  -- Time never runs backwards along a chain, so monthly partitions hold whole stretches of each
  -- chain and retention removes a prefix of it. Only a transaction that waited for its chain (all
  -- were busy) or a clock stepped back can arrive earlier than the chain's last row.
  IF NEW.recorded < head.recorded THEN
    IF date_trunc('month', NEW.recorded, 'UTC') <> date_trunc('month', head.recorded, 'UTC') THEN
      RAISE EXCEPTION 'haven: audit chain % moved on to the next month while this transaction waited; retry', head.chain
        USING ERRCODE = 'serialization_failure';
    END IF;
    NEW.recorded := head.recorded;
  END IF;
  NEW.chain := head.chain;
  NEW.seq := head.seq + 1;
  NEW.prev_hash := head.hash;
  -- The id, and the hash over audit_canonical written out: calling a SQL function from PL/pgSQL
  -- costs more than the work. Verification hashes with audit_canonical, and the test suite
  -- verifies the rows it writes, so the two cannot drift apart unnoticed.
  NEW.id := encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
        PLACING substring(int8send(floor(extract(epoch FROM NEW.recorded) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
      52, 1), 53, 1),
    'hex')::uuid;
  NEW.hash := sha256(head.hash || convert_to(json_build_array(
    NEW.id::text, NEW.chain, NEW.seq, (extract(epoch FROM NEW.recorded) * 1000000)::bigint, NEW.action, NEW.interaction,
    NEW.outcome, NEW.outcome_desc, NEW.request_id, NEW.client_id, NEW.subject, NEW.fhir_user, NEW.launch_patient,
    NEW.source_address, NEW.entity_type, NEW.entity_id, NEW.entity_version, NEW.query, NEW.result_count,
    NEW.entity_refs, NEW.compartments
  )::text, 'UTF8'));
  UPDATE audit_chain SET seq = NEW.seq, hash = NEW.hash, recorded = NEW.recorded WHERE chain = head.chain;
  RETURN NEW;
END
$$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

-- Append-only: rows are never changed or removed (old partitions leave only through retention,
-- which exports them and records an anchor first).
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'haven: the audit log is append-only; % on % is refused', TG_OP, TG_TABLE_NAME;
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
-- Statement triggers are not inherited by partitions: audit_ensure_partition adds this one to each.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Where each chain continues after retention removed its oldest rows: the position and hash of the
-- last removed row. Verification starts there instead of at the genesis hash.
CREATE TABLE audit_anchor (
  chain        smallint    NOT NULL,
  seq          bigint      NOT NULL,
  hash         bytea       NOT NULL,
  -- The partition whose removal set this anchor, and where its rows were exported.
  partition    text        NOT NULL,
  export_file  text        NOT NULL,
  created      timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (chain, seq)
);

CREATE TRIGGER audit_anchor_append_only BEFORE UPDATE OR DELETE ON audit_anchor
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_anchor
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- The partition holding the month of `at` (in UTC), created when missing. Instances starting
-- together take turns through the advisory lock.
CREATE FUNCTION audit_ensure_partition(at timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  first timestamptz := date_trunc('month', at, 'UTC');
  name text := 'audit_log_' || to_char(first AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
  IF to_regclass(name) IS NOT NULL THEN
    RETURN name;
  END IF;
  PERFORM pg_advisory_xact_lock(727002);
  IF to_regclass(name) IS NULL THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)',
      name, to_char(first AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
      to_char((first AT TIME ZONE 'UTC') + interval '1 month', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
    EXECUTE format('CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()', name);
  END IF;
  RETURN name;
END
$$;

SELECT audit_ensure_partition(now() + make_interval(months => m)) FROM generate_series(0, 2) AS m;

-- A resource as a read statement returned it, for audit_access_rows.
CREATE TYPE audit_returned AS (resource_type text, id text, version_id integer, deleted boolean, compartments text[]);

-- The audit rows of one read (src/store/audit.ts, addAccessAudit): one per patient whose data it
-- returned, one for the resources in no patient compartment, or one when it returned nothing, as
-- BALP asks. `event`: action, interaction, request_id, client_id, subject, fhir_user,
-- launch_patient, source_address, entity_type, entity_id, query. A PL/pgSQL function so that this
-- grouping is planned once per session, not with every read statement.
CREATE FUNCTION audit_access_rows(event text[], single_target boolean, named_version integer, target text, returned audit_returned[])
RETURNS TABLE (action text, interaction text, request_id text, client_id text, subject text, fhir_user text,
  launch_patient text, source_address text, entity_type text, entity_id text, query text, outcome smallint,
  entity_version integer, result_count integer, entity_refs text[], compartments text[])
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  IF coalesce(cardinality(returned), 0) = 0 THEN
    -- Nothing returned: a read or vread failed (404), a search or history found nothing.
    RETURN QUERY SELECT event[1], event[2], event[3], event[4], event[5], event[6], event[7], event[8], event[9],
      event[10], event[11], (CASE WHEN single_target THEN 4 ELSE 0 END)::smallint, named_version, 0,
      CASE WHEN target IS NULL THEN '{}'::text[] ELSE ARRAY[target] END, '{}'::text[];
    RETURN;
  END IF;
  RETURN QUERY SELECT event[1], event[2], event[3], event[4], event[5], event[6], event[7], event[8], event[9],
      event[10], event[11],
      -- A read that returned only a deletion answered 410: a minor failure too.
      (CASE WHEN single_target AND NOT bool_or(NOT r.deleted) THEN 4 ELSE 0 END)::smallint,
      coalesce(named_version, CASE WHEN single_target THEN max(r.version_id) END),
      count(*)::integer,
      CASE WHEN target IS NULL THEN array_agg(DISTINCT r.resource_type || '/' || r.id) ELSE ARRAY[target] END,
      CASE WHEN p.patient IS NULL THEN '{}'::text[] ELSE ARRAY[p.patient] END
    FROM unnest(returned) r
      LEFT JOIN LATERAL (SELECT c AS patient FROM unnest(r.compartments) c WHERE c LIKE 'Patient/%') p ON true
    GROUP BY p.patient;
END
$$;

-- Every change of a resource, recorded from its history row (one per changed resource, with the
-- HTTP verb that made it) in the same transaction.
CREATE FUNCTION audit_resource_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  actor jsonb := audit_actor();
  revived boolean := false;
BEGIN
  IF NEW.method = 'PUT' AND NEW.version_id > 1 THEN
    SELECT h.deleted INTO revived FROM resource_history h
      WHERE h.resource_type = NEW.resource_type AND h.id = NEW.id AND h.version_id = NEW.version_id - 1;
  END IF;
  INSERT INTO audit_log (action, interaction, outcome, request_id, client_id, subject, fhir_user, launch_patient,
      source_address, entity_type, entity_id, entity_version, entity_refs, compartments)
    VALUES (
      CASE WHEN NEW.method = 'DELETE' THEN 'D' WHEN NEW.version_id = 1 OR revived THEN 'C' ELSE 'U' END,
      CASE NEW.method WHEN 'POST' THEN 'create' WHEN 'PUT' THEN 'update' WHEN 'PATCH' THEN 'patch' ELSE 'delete' END,
      0, actor->>'requestId', actor->>'clientId', actor->>'subject', actor->>'fhirUser', actor->>'patient',
      actor->>'sourceAddress', NEW.resource_type, NEW.id, NEW.version_id, ARRAY[NEW.resource_type || '/' || NEW.id],
      NEW.compartments);
  RETURN NULL;
END
$$;

CREATE TRIGGER resource_history_audit AFTER INSERT ON resource_history
  FOR EACH ROW EXECUTE FUNCTION audit_resource_change();

-- No change to resources or their history without someone to record it.
CREATE TRIGGER resource_requires_actor BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON resource
  FOR EACH STATEMENT EXECUTE FUNCTION audit_require_actor();
CREATE TRIGGER resource_history_requires_actor BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON resource_history
  FOR EACH STATEMENT EXECUTE FUNCTION audit_require_actor();
