-- fastest store, schema version 4: retries (--reruns) and flaky verdicts.
-- * attempts: every failed attempt of a test that was run again, in the run that ran it.
--   The test's final attempt is its row in results, numbered 1 + the attempts rows of
--   (run, node); a final pass after failed attempts is outcome 9 (flaky) there.
-- * outcome 9 (flaky) in results and test_stats.last_outcome: no other table changes; a
--   version 3 file has no attempts and no outcome 9, so it upgrades as it is.

CREATE TABLE attempts (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  node INTEGER NOT NULL REFERENCES nodes(id),
  attempt INTEGER NOT NULL,          -- 1-based, in the order the attempts ran
  outcome INTEGER NOT NULL,          -- base::Outcome numbers: failed, error, crashed, timed_out
  setup_s REAL,                      -- NULL: the reported value was rejected
  call_s REAL,
  teardown_s REAL,
  worker INTEGER NOT NULL,
  start_offset_s REAL,
  message TEXT NOT NULL,
  PRIMARY KEY (run, node, attempt)
) STRICT, WITHOUT ROWID;

-- `fastest stats --flaky` reads a test's attempts across runs.
CREATE INDEX attempts_by_node ON attempts (node, run);
