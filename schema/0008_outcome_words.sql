-- fastest store, schema version 8: the outcome as pytest's word, and an index for the
-- non-passing ones.
-- * results.outcome_name: a VIRTUAL generated column (computed when read, never stored,
--   so no row grows): base::Outcome's number as its word, the `outcome` of v_results.
--   A test (store_query_test) checks it against base::outcome_name for every outcome.
-- * results_not_passed: the (word, run) of every result that did not pass, a small
--   fraction of the rows. SQLite uses a partial index only when the query's WHERE implies
--   the index's, so its WHERE names each word: `outcome = 'failed'` over v_results (the
--   question "what failed, at which commit") then reads this index instead of every result.
ALTER TABLE results ADD COLUMN outcome_name TEXT AS (CASE outcome WHEN 1 THEN 'passed' WHEN 2 THEN 'failed'
  WHEN 3 THEN 'error' WHEN 4 THEN 'skipped' WHEN 5 THEN 'xfailed' WHEN 6 THEN 'xpassed' WHEN 7 THEN 'crashed'
  WHEN 8 THEN 'timeout' WHEN 9 THEN 'flaky' ELSE 'unknown' END) VIRTUAL;

CREATE INDEX results_not_passed ON results (outcome_name, run)
  WHERE outcome_name = 'failed' OR outcome_name = 'error' OR outcome_name = 'skipped'
     OR outcome_name = 'xfailed' OR outcome_name = 'xpassed' OR outcome_name = 'crashed'
     OR outcome_name = 'timeout' OR outcome_name = 'flaky' OR outcome_name = 'unknown';
