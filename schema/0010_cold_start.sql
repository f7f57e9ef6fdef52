-- fastest store, schema version 10: whether a run's workers started cold.
-- A run whose harness had never been imported (freshly unpacked, no bytecode yet: the first
-- run of a new fastest build) spends 0.25-0.7 s more before its first batch than a warm run
-- (0.05-0.15 s). `fastest plan` and the stored prediction take the start-up of warm runs
-- from warm runs only (HistoryStore::planning_record). Runs recorded before this version
-- count as warm.
ALTER TABLE runs ADD COLUMN cold_start INTEGER NOT NULL DEFAULT 0;
