-- fastest store, schema version 2: statistics for the scheduler and `fastest stats`.
-- * results keyed by (run, integer node id) (nodes table): recording is an append of small
--   rows to one b-tree, not two text-keyed b-tree inserts per result;
-- * per-test and per-module statistics kept up to date incrementally by the store;
-- * per-run module costs (import + module-scope fixtures) and per-worker batch timelines;
-- * runs.work_s (sum of test durations) and runs.lower_bound_s for balance figures.
-- The store rebuilds test_stats from the copied results right after this script.

CREATE TABLE nodes (
  id INTEGER PRIMARY KEY,
  node_id TEXT NOT NULL UNIQUE,
  file TEXT NOT NULL
) STRICT;

INSERT INTO nodes (node_id, file) SELECT node_id, min(file) FROM results GROUP BY node_id ORDER BY node_id;

CREATE TABLE results_v2 (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  node INTEGER NOT NULL REFERENCES nodes(id),
  outcome INTEGER NOT NULL,          -- base::Outcome numbers
  setup_s REAL,                      -- NULL: the reported value was rejected
  call_s REAL,
  teardown_s REAL,
  worker INTEGER NOT NULL,
  start_offset_s REAL,
  message TEXT NOT NULL,
  PRIMARY KEY (run, node)
) STRICT, WITHOUT ROWID;

INSERT INTO results_v2 (run, node, outcome, setup_s, call_s, teardown_s, worker, start_offset_s, message)
  SELECT r.run, n.id, r.outcome, r.setup_s, r.call_s, r.teardown_s, r.worker, r.start_offset_s, r.message
  FROM results r JOIN nodes n ON n.node_id = r.node_id;

DROP TABLE results;
ALTER TABLE results_v2 RENAME TO results;

-- One row per test ever recorded (pruned with its node when unseen for the retention window).
CREATE TABLE test_stats (
  node INTEGER PRIMARY KEY REFERENCES nodes(id) ON DELETE CASCADE,
  n INTEGER NOT NULL,                -- results of any outcome folded in
  timed INTEGER NOT NULL,            -- of which had a valid duration
  estimate_s REAL NOT NULL,          -- median of `recent` (0 when nothing timed yet)
  spread_s REAL NOT NULL,            -- 1.4826 x median absolute deviation of `recent`
  last_s REAL,                       -- most recent valid duration
  last_outcome INTEGER NOT NULL,
  last_verdict INTEGER NOT NULL,     -- 0 none yet, 1 pass, 2 fail (skips do not count)
  failures INTEGER NOT NULL,
  flips INTEGER NOT NULL,            -- pass <-> fail changes between consecutive verdicts
  last_run INTEGER NOT NULL REFERENCES runs(id),  -- runs rows are never pruned
  recent BLOB NOT NULL               -- up to 16 recent valid durations, float32 LE, oldest first
) STRICT;

CREATE TABLE module_costs (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  file TEXT NOT NULL,
  slice INTEGER NOT NULL,            -- 0 unless the module was split into slices
  worker INTEGER NOT NULL,
  import_s REAL,
  fixture_s REAL,
  PRIMARY KEY (run, file, slice)
) STRICT, WITHOUT ROWID;

CREATE TABLE module_stats (
  file TEXT PRIMARY KEY NOT NULL,
  n INTEGER NOT NULL,
  estimate_s REAL NOT NULL,          -- median of recent import + fixture seconds
  last_s REAL NOT NULL,
  last_run_uuid TEXT NOT NULL,
  last_started_unix REAL NOT NULL,
  recent BLOB NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE batches (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  worker INTEGER NOT NULL,
  start_s REAL NOT NULL,             -- seconds since the run started
  end_s REAL NOT NULL,
  module TEXT NOT NULL,
  tests INTEGER NOT NULL,
  PRIMARY KEY (run, worker, start_s)
) STRICT, WITHOUT ROWID;

ALTER TABLE runs ADD COLUMN work_s REAL;
ALTER TABLE runs ADD COLUMN lower_bound_s REAL;
CREATE INDEX runs_by_start ON runs (started_unix, uuid);
