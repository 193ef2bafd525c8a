-- The search index: one table per search parameter type, shared by every resource type. A row
-- holds one value of one parameter of the current version of one resource (rid). Parameters are
-- identified by an integer key (a hash of "Type.code", see src/store/search/registry.ts), so that
-- adding a search parameter needs no migration: only `haven reindex`.
--
-- Every table has two indexes:
--   (param, value..., rid): finds the resources with a value, already in rid order, so a search
--                           that pages in rid order can stop after one page;
--   (rid, param):           checks a candidate resource's value (EXISTS probes), and removes a
--                           resource's rows when it is updated or deleted. Range types INCLUDE
--                           their values, so a probe reads the index only.
-- No foreign keys: rows are written and removed in the same statement as their resource.

CREATE TABLE search_token (
  rid    bigint  NOT NULL,
  param  integer NOT NULL,
  system text,
  code   text    NOT NULL
);
CREATE INDEX search_token_value ON search_token (param, code, system, rid);
CREATE INDEX search_token_rid ON search_token (rid, param);

-- The token rows of resources in a patient's compartment once more, keyed by the patient first
-- (pat: a 64-bit hash of "Patient/<id>"). "This patient's heart rates" is then one range of one
-- index, already in rid order: a page stops after _count matches however many Observations the
-- patient has (see docs/search.md). A hash collision only widens this pre-filter: the search still
-- checks the patient reference itself.
CREATE TABLE search_token_pat (
  rid    bigint  NOT NULL,
  pat    bigint  NOT NULL,
  param  integer NOT NULL,
  system text,
  code   text    NOT NULL
);
CREATE INDEX search_token_pat_value ON search_token_pat (pat, param, code, system, rid);
CREATE INDEX search_token_pat_rid ON search_token_pat (rid);

-- norm: lower case, accents removed (prefix search uses the "C" collation's byte order for LIKE);
-- exact: the value as written (:exact).
CREATE TABLE search_string (
  rid   bigint  NOT NULL,
  param integer NOT NULL,
  norm  text COLLATE "C" NOT NULL,
  exact text    NOT NULL
);
CREATE INDEX search_string_value ON search_string (param, norm, rid);
CREATE INDEX search_string_rid ON search_string (rid, param);

-- Every date is a range [low, high): a day, a month, a Period (open ends are +-infinity), an instant
-- at its precision.
CREATE TABLE search_date (
  rid   bigint      NOT NULL,
  param integer     NOT NULL,
  low   timestamptz NOT NULL,
  high  timestamptz NOT NULL
);
CREATE INDEX search_date_low ON search_date (param, low, rid);
CREATE INDEX search_date_high ON search_date (param, high, rid);
CREATE INDEX search_date_rid ON search_date (rid, param) INCLUDE (low, high);

CREATE TABLE search_number (
  rid   bigint  NOT NULL,
  param integer NOT NULL,
  value numeric NOT NULL
);
CREATE INDEX search_number_value ON search_number (param, value, rid);
CREATE INDEX search_number_rid ON search_number (rid, param) INCLUDE (value);

CREATE TABLE search_quantity (
  rid    bigint  NOT NULL,
  param  integer NOT NULL,
  value  numeric NOT NULL,
  system text,
  code   text,
  unit   text
);
CREATE INDEX search_quantity_value ON search_quantity (param, value, rid);
CREATE INDEX search_quantity_rid ON search_quantity (rid, param) INCLUDE (value, system, code, unit);

CREATE TABLE search_uri (
  rid   bigint  NOT NULL,
  param integer NOT NULL,
  uri   text COLLATE "C" NOT NULL
);
CREATE INDEX search_uri_value ON search_uri (param, uri, rid);
CREATE INDEX search_uri_rid ON search_uri (rid, param);

-- ref: "Type/id" for this server's resources (absolute URLs to this server are stored relative),
-- the URL otherwise. target_type/target_id let _include join to the resource table.
CREATE TABLE search_reference (
  rid         bigint  NOT NULL,
  param       integer NOT NULL,
  ref         text    NOT NULL,
  target_type text,
  target_id   text
);
CREATE INDEX search_reference_value ON search_reference (param, ref, rid);
CREATE INDEX search_reference_rid ON search_reference (rid, param);

-- Composite parameters (a token and a second value), e.g. Observation code-value-quantity.
CREATE TABLE search_composite (
  rid        bigint  NOT NULL,
  param      integer NOT NULL,
  key_system text,
  key_code   text    NOT NULL,
  system     text,
  code       text,
  value      numeric,
  low        timestamptz,
  high       timestamptz,
  norm       text COLLATE "C"
);
CREATE INDEX search_composite_value ON search_composite (param, key_code, rid);
CREATE INDEX search_composite_rid ON search_composite (rid, param);

-- Which client-defined SearchParameters are in force, per resource type: a SearchParameter stored
-- through the API becomes active for a type when `haven reindex` (or $reindex) has indexed that
-- type with it, so a search never runs on a half-built index.
CREATE TABLE search_parameter_active (
  resource_type text  NOT NULL,
  url           text  NOT NULL,
  definition    text  NOT NULL,
  activated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (resource_type, url)
);

-- Keyset paging in the default order (rid) within a type.
CREATE INDEX resource_type_rid ON resource (resource_type, rid) WHERE NOT deleted;
