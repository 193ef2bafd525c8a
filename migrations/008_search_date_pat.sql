-- The date rows of resources in a patient's compartment once more, keyed by the patient first
-- (pat: the same 64-bit hash of "Patient/<id>" as search_token_pat). "This patient's readings since
-- March" is then one range of one index: the search reads the patient's rows inside the window,
-- not the patient's whole history (docs/search.md, "The plan that keeps a patient's page cheap").
-- A hash collision only widens this pre-filter: the search still checks the patient itself.
--
--   (pat, param, high, low, rid): windows with a lower bound (gt, ge, sa, eq, ap: high > the bound);
--   (pat, param, low, high, rid): windows with an upper bound (lt, le, eb: low < the bound);
--   (rid):                         removal of a resource's rows on update and delete.
-- Both range indexes carry the other end of the range, so the exact date test runs in the index.
CREATE TABLE search_date_pat (
  rid   bigint      NOT NULL,
  pat   bigint      NOT NULL,
  param integer     NOT NULL,
  low   timestamptz NOT NULL,
  high  timestamptz NOT NULL
);

-- The rows of what is already stored: every date row of a live resource, once per patient
-- compartment (resource.compartments holds only Patient compartments). The key is computed as
-- src/store/search/compartments.ts patientKey() computes it: the first 8 bytes of the SHA-256 of
-- the compartment's UTF-8 text, read as a signed big-endian 64-bit integer.
INSERT INTO search_date_pat (rid, pat, param, low, high)
  SELECT d.rid, ('x' || left(encode(sha256(convert_to(c.compartment, 'UTF8')), 'hex'), 16))::bit(64)::bigint, d.param, d.low, d.high
  FROM resource r
  CROSS JOIN LATERAL unnest(r.compartments) AS c(compartment)
  JOIN search_date d ON d.rid = r.rid
  WHERE NOT r.deleted AND c.compartment LIKE 'Patient/%';

CREATE INDEX search_date_pat_high ON search_date_pat (pat, param, high, low, rid);
CREATE INDEX search_date_pat_low ON search_date_pat (pat, param, low, high, rid);
CREATE INDEX search_date_pat_rid ON search_date_pat (rid);
