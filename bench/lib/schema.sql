-- The baselines' hand-made tables, beside Haven's in the benchmark database.
CREATE TABLE IF NOT EXISTS bench_resource (id text PRIMARY KEY, content jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS bench_obs (
  id text PRIMARY KEY,
  subject text NOT NULL,
  code text NOT NULL,
  effective timestamptz NOT NULL,
  content jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS bench_obs_search ON bench_obs (subject, code, effective DESC);
CREATE TABLE IF NOT EXISTS bench_history (id text, version integer, content jsonb NOT NULL, PRIMARY KEY (id, version));
