-- fastest store, schema version 9: the planner's history as one row.
-- Start-up (history(): every timed test's estimate and every module's overhead) scanned
-- nodes, test_stats and module_stats: 210,000 rows for 100,000 tests, the larger part of
-- a `fastest plan` with 30 kept runs. `history_snapshot` holds the same answer as one blob
-- (src/store/history_snapshot.h). It is a cache of those tables, never the truth:
-- * every write of the store that changes them (results, module costs, prune, merge)
--   deletes the row in the same transaction;
-- * finish_run writes it again from what the run left, when it is missing;
-- * no row, or a blob that does not decode: history() scans the tables as before.

CREATE TABLE history_snapshot (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  data BLOB NOT NULL
) STRICT;
