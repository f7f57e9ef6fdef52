-- fastest store, schema version 5: smaller results, and per-test duration series kept at
-- write time.
-- * results hold durations as integer microseconds (setup_us, call_us, teardown_us) and the
--   start as integer milliseconds since the run started (start_ms): SQLite stores an
--   integer in 0-4 bytes where a REAL takes 8, so a typical row shrinks from ~60 to ~26
--   bytes. NULL still means "unknown" (the reported value was rejected).
-- * series: per test, the durations of its last results (at most the retention's number of
--   runs), appended in the same transaction as the results, so `stats --regressions` and the
--   planner's environment keys read one row per test instead of one per result. `samples`
--   is a sequence of 6-byte samples: the run's id modulo 65536 (uint16 LE), then the
--   duration in seconds (float32 LE) whose sign bit is set when the result was not a pass
--   (skips are not sampled). Samples of runs no longer kept are ignored when read.
-- The store fills series from the copied results right after this script.

CREATE TABLE results_v5 (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  node INTEGER NOT NULL REFERENCES nodes(id),
  outcome INTEGER NOT NULL,          -- base::Outcome numbers
  setup_us INTEGER,                  -- microseconds; NULL: the reported value was rejected
  call_us INTEGER,
  teardown_us INTEGER,
  worker INTEGER NOT NULL,
  start_ms INTEGER,                  -- milliseconds since the run started
  message TEXT NOT NULL,
  PRIMARY KEY (run, node)
) STRICT, WITHOUT ROWID;

INSERT INTO results_v5 (run, node, outcome, setup_us, call_us, teardown_us, worker, start_ms, message)
  SELECT run, node, outcome, CAST(round(setup_s * 1e6) AS INTEGER), CAST(round(call_s * 1e6) AS INTEGER),
         CAST(round(teardown_s * 1e6) AS INTEGER), worker, CAST(round(start_offset_s * 1e3) AS INTEGER), message
  FROM results ORDER BY run, node;

DROP TABLE results;
ALTER TABLE results_v5 RENAME TO results;

CREATE TABLE series (
  node INTEGER PRIMARY KEY REFERENCES nodes(id) ON DELETE CASCADE,
  samples BLOB NOT NULL
) STRICT;
