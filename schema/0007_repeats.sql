-- fastest store, schema version 7: a test run more than once in one run.
-- * repeats: pytest's duplicate arguments run a test again in the same session
--   (`fastest t.py::test_a t.py` runs test_a twice). The first result to arrive is the
--   test's row in results (the one folded into test_stats and series); each later one is
--   kept here, numbered from 2 in the order they arrived. No other table changes; a
--   version 6 file has no repeats, so it upgrades as it is.

CREATE TABLE repeats (
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  node INTEGER NOT NULL REFERENCES nodes(id),
  seq INTEGER NOT NULL,              -- 2, 3, ...: the test's second, third, ... result in the run
  outcome INTEGER NOT NULL,          -- base::Outcome numbers
  setup_us INTEGER,                  -- microseconds; NULL: the reported value was rejected
  call_us INTEGER,
  teardown_us INTEGER,
  worker INTEGER NOT NULL,
  start_ms INTEGER,                  -- milliseconds since the run started
  message TEXT NOT NULL,
  PRIMARY KEY (run, node, seq)
) STRICT, WITHOUT ROWID;
