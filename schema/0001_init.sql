-- fastest store, schema version 1: discovery cache, runs and per-test results.
-- Applied inside one BEGIN IMMEDIATE transaction; user_version and application_id are set
-- by the store after the script. The store compares sqlite_master with what these scripts
-- create, so any object added by hand makes a file "unexpected" and it is set aside.
-- Durations are seconds (REAL); NULL means "unknown" (the reported value was rejected).

-- One row per test file whose parse is cached. A file with a collection error has no tests.
CREATE TABLE files (
  path TEXT PRIMARY KEY NOT NULL,    -- rootdir-relative, '/'-separated
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  content_hash INTEGER NOT NULL,     -- uint64 stored as its int64 bit pattern
  error_line INTEGER,                -- NULL when the file collected cleanly
  error_message TEXT
) STRICT;

-- Statically discovered items of a cached file, in discovery order.
CREATE TABLE tests (
  file TEXT NOT NULL REFERENCES files(path) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,          -- position within the file
  node_id TEXT NOT NULL,
  cls TEXT NOT NULL,
  function TEXT NOT NULL,
  line INTEGER NOT NULL,
  markers TEXT NOT NULL,             -- marker names joined by '\n'
  parametrized INTEGER NOT NULL,
  PRIMARY KEY (file, ordinal)
) STRICT, WITHOUT ROWID;

-- One row per run. uuid is the run's global identity (merges of shard databases dedupe on
-- it); id is only this file's handle.
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,         -- 32 lower-case hex digits, random
  started_unix REAL NOT NULL,
  ended_unix REAL,                   -- NULL while running, or if the run was killed
  argv TEXT NOT NULL,
  workers INTEGER NOT NULL,
  schedule TEXT NOT NULL,
  shard TEXT NOT NULL,
  python_version TEXT NOT NULL,
  host TEXT NOT NULL,
  git_commit TEXT NOT NULL,
  predicted_makespan_s REAL NOT NULL,
  actual_makespan_s REAL,
  exit_status INTEGER,
  passed INTEGER,
  failed INTEGER,
  errors INTEGER,
  skipped INTEGER
) STRICT;

-- One row per test per run. outcome holds base::Outcome numbers (1 passed ... 8 timed_out).
CREATE TABLE results (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  node_id TEXT NOT NULL,
  file TEXT NOT NULL,
  outcome INTEGER NOT NULL,
  setup_s REAL,
  call_s REAL,
  teardown_s REAL,
  worker INTEGER NOT NULL,
  start_offset_s REAL,
  message TEXT NOT NULL,
  PRIMARY KEY (run, node_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX results_by_node ON results (node_id, run);
