-- Subscriptions (src/subscriptions/): the active Subscriptions as the matcher reads them at every
-- write, and the outbox of notifications, written in the transaction of the change that matched,
-- so that no committed change is missed and no uncommitted one is sent. A worker on any instance
-- drains it (FOR UPDATE SKIP LOCKED and a lease, so each notification is sent by one instance at a
-- time), in `seq` order per Subscription.

-- One row per Subscription resource that Haven accepted, keyed by its id. The resource stays the
-- FHIR face (status, error); this row is what matching and delivery need without parsing it.
CREATE TABLE subscription (
  id            text        PRIMARY KEY,
  -- The type the criteria search, and the criteria's query part ("patient=Patient/1&status=active").
  resource_type text        NOT NULL,
  criteria      text        NOT NULL,
  -- The grant of the token that created it: matching and delivery run with what it may search and
  -- read, so a patient/ token's Subscription never reaches another patient.
  owner         jsonb       NOT NULL,
  endpoint      text        NOT NULL,
  -- channel.payload: a MIME type, or NULL for an empty body.
  payload       text,
  -- channel.header lines, as sent.
  headers       jsonb       NOT NULL DEFAULT '[]',
  -- active | error | off: only active ones match and deliver.
  status        text        NOT NULL,
  -- Topic-based (Subscriptions Backport IG): the topic's canonical URL and the payload content
  -- (empty | id-only | full-resource); NULL for a plain R4 criteria Subscription.
  topic         text,
  content       text,
  -- Events queued since the Subscription started: the last event-number given.
  events        bigint      NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT subscription_status CHECK (status IN ('active', 'error', 'off'))
);
CREATE INDEX subscription_active_type ON subscription (resource_type) WHERE status = 'active';

-- One row per notification: the version of a resource that matched a Subscription.
CREATE TABLE subscription_outbox (
  seq             bigserial   PRIMARY KEY,
  subscription_id text        NOT NULL REFERENCES subscription (id) ON DELETE CASCADE,
  resource_type   text        NOT NULL,
  resource_id     text        NOT NULL,
  version_id      integer     NOT NULL,
  -- This event's number among the Subscription's events (backport notification-event.event-number).
  event_number    bigint      NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- pending until sent (delivered) or no longer the owner's to see (dropped).
  state           text        NOT NULL DEFAULT 'pending',
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- Set while one worker delivers it; a worker that dies lets it expire and another retries.
  lease_until     timestamptz,
  last_error      text,
  done_at         timestamptz,
  CONSTRAINT subscription_outbox_state CHECK (state IN ('pending', 'delivered', 'dropped'))
);
-- The head of each Subscription's queue.
CREATE INDEX subscription_outbox_pending ON subscription_outbox (subscription_id, seq) WHERE state = 'pending';
-- $events: a Subscription's events by number.
CREATE INDEX subscription_outbox_events ON subscription_outbox (subscription_id, event_number);
