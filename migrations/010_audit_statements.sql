-- The audit trail per statement rather than per row (issue 18: import; issue 14: transactions).
-- A statement that writes N history rows (a transaction Bundle's creates, an import batch) fired
-- one trigger per row, each running its own INSERT into audit_log, and the chaining trigger then
-- locked and updated the chain's head row once per audit row. Those N updates of one row in one
-- transaction cannot be pruned until it ends, so each later row walked a longer chain of row
-- versions: the audit trail was half of an import batch's time in the database.
--
-- Now: one AFTER STATEMENT trigger on resource_history writes every row's audit record in one
-- INSERT (from the statement's transition table); the chaining row trigger keeps the head of the
-- chain this transaction holds in a transaction-local setting (haven.audit_head) instead of
-- re-reading and updating audit_chain per row; and an AFTER STATEMENT trigger on audit_log
-- stores that head in audit_chain once per statement, before the statement ends. Rows, hashes
-- and the chain heads after each statement are exactly what the row triggers produced, so
-- `haven audit verify` and every reader are unchanged. Settings set in a subtransaction that
-- rolls back are reverted with its rows and its head update, so a savepoint (a batch Bundle's
-- entry) leaves the three consistent.

CREATE FUNCTION audit_resource_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  actor jsonb := audit_actor();
BEGIN
  INSERT INTO audit_log (action, interaction, outcome, request_id, client_id, subject, fhir_user, launch_patient,
      source_address, entity_type, entity_id, entity_version, entity_refs, compartments)
    SELECT
      -- A PUT that revives a deleted resource is a create (as the row trigger decided).
      CASE WHEN w.method = 'DELETE' THEN 'D' WHEN w.version_id = 1 OR coalesce(prev.deleted, false) THEN 'C' ELSE 'U' END,
      CASE w.method WHEN 'POST' THEN 'create' WHEN 'PUT' THEN 'update' WHEN 'PATCH' THEN 'patch' ELSE 'delete' END,
      0, actor->>'requestId', actor->>'clientId', actor->>'subject', actor->>'fhirUser', actor->>'patient',
      actor->>'sourceAddress', w.resource_type, w.id, w.version_id, ARRAY[w.resource_type || '/' || w.id], w.compartments
    FROM (SELECT written.*, row_number() OVER () AS n FROM written) w
      LEFT JOIN resource_history prev
        ON w.method = 'PUT' AND w.version_id > 1
        AND prev.resource_type = w.resource_type AND prev.id = w.id AND prev.version_id = w.version_id - 1
    -- The records follow the statement's rows in the order it wrote them.
    ORDER BY w.n;
  RETURN NULL;
END
$$;

DROP TRIGGER resource_history_audit ON resource_history;
DROP FUNCTION audit_resource_change();
CREATE TRIGGER resource_history_audit AFTER INSERT ON resource_history
  REFERENCING NEW TABLE AS written
  FOR EACH STATEMENT EXECUTE FUNCTION audit_resource_changes();

-- The head this transaction holds, as haven.audit_head: 'chain|seq|hash in hex|recorded in UTC'.
-- The first row of a transaction takes a chain as before (its session's own, else the next free
-- one, else waits for its own) and locks its head row until the transaction ends.
CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  held text := current_setting('haven.audit_head', true);
  preferred smallint := pg_backend_pid() % 32;
  head audit_chain%ROWTYPE;
BEGIN
  IF abs(extract(epoch FROM NEW.recorded - clock_timestamp())) > 60 THEN
    RAISE EXCEPTION 'haven: audit rows are recorded at the current time, not %', NEW.recorded;
  END IF;
  IF held IS NOT NULL AND held <> '' THEN
    -- This transaction already holds a chain (its row is locked): all its rows go there, in order.
    head.chain := split_part(held, '|', 1)::smallint;
    head.seq := split_part(held, '|', 2)::bigint;
    head.hash := decode(split_part(held, '|', 3), 'hex');
    head.recorded := split_part(held, '|', 4)::timestamptz;
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
  -- The id, and the hash over audit_canonical written out (003_audit.sql says why).
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
  -- ISO 8601 in UTC with microseconds: read back the same whatever the session's DateStyle.
  PERFORM set_config('haven.audit_head', concat_ws('|', NEW.chain, NEW.seq, encode(NEW.hash, 'hex'),
    to_char(NEW.recorded AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), true);
  RETURN NEW;
END
$$;

-- Stores the head the statement's rows reached (a no-op when it added none).
CREATE FUNCTION audit_chain_store_head() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  held text := current_setting('haven.audit_head', true);
BEGIN
  IF held IS NOT NULL AND held <> '' THEN
    UPDATE audit_chain
      SET seq = split_part(held, '|', 2)::bigint,
          hash = decode(split_part(held, '|', 3), 'hex'),
          recorded = split_part(held, '|', 4)::timestamptz
      WHERE chain = split_part(held, '|', 1)::smallint AND seq < split_part(held, '|', 2)::bigint;
  END IF;
  RETURN NULL;
END
$$;

-- On the log and on each partition: an INSERT names one of them, and a statement trigger fires
-- only on the table the statement names.
CREATE TRIGGER audit_log_chain_head AFTER INSERT ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_store_head();
DO $$
DECLARE
  part regclass;
BEGIN
  FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'audit_log'::regclass LOOP
    EXECUTE format('CREATE TRIGGER audit_log_chain_head AFTER INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_store_head()', part);
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION audit_ensure_partition(at timestamptz) RETURNS text LANGUAGE plpgsql AS $$
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
    EXECUTE format('CREATE TRIGGER audit_log_chain_head AFTER INSERT ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_store_head()', name);
  END IF;
  RETURN name;
END
$$;
