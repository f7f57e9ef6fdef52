-- fastest store, schema version 6: the discovery cache holds one row per file, and enough of
-- the file's stat to trust it without reading the file (git's index rule).
-- * ctime_ns, inode: with size and mtime_ns, the stat discovery compares. ctime changes on
--   any write, chmod, utimes or rename and cannot be set back, so an edit that restores the
--   mtime (rsync -t, touch -r) is still seen.
-- * checked_ns: wall clock (ns since the epoch) when the pass that read the bytes began; a
--   file whose mtime or ctime is within 2 s before it is "racy" and is hashed again.
-- * items: the file's statically discovered items as one blob (the store's item format 1,
--   src/store/item_blob.h), replacing one row per item in `tests`: a cached pass of 10,000
--   files reads 10,000 rows instead of 100,000.
-- The cache is advisory: its rows are dropped here and the next discovery parses again.

DROP TABLE tests;
DROP TABLE files;

CREATE TABLE files (
  path TEXT PRIMARY KEY NOT NULL,    -- rootdir-relative, '/'-separated
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  ctime_ns INTEGER NOT NULL,
  inode INTEGER NOT NULL,            -- uint64 stored as its int64 bit pattern
  checked_ns INTEGER NOT NULL,
  content_hash INTEGER NOT NULL,     -- uint64 stored as its int64 bit pattern
  parse_key INTEGER NOT NULL,
  error_line INTEGER,                -- NULL when the file collected cleanly
  error_message TEXT,
  facts TEXT,                        -- conftest.py files: discovery's ConftestFacts; NULL otherwise
  items BLOB NOT NULL
) STRICT;
