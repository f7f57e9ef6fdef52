#pragma once
// Internal to the store: opening, checking, setting aside and migrating database files.
// Everything here may throw SQLite::Exception; the public HistoryStore converts.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "base/result.h"

namespace fastest::store {

/// What a look at an existing file (read-only, nothing written) found.
struct Verdict {
  enum class Kind { usable, empty, corrupt, foreign, newer };
  Kind kind = Kind::usable;
  std::string reason;  ///< for corrupt / foreign / newer: one line, without the path
  int version = 0;     ///< user_version when it could be read
};

/// Hardens a fresh connection before it reads anything from an untrusted file:
/// defensive mode, no triggers or views, trusted_schema=OFF, cell size checks.
void harden(SQLite::Database& db);

/// How much of the file inspect() reads. `full` always compares the schema objects with our
/// migrations' and runs PRAGMA quick_check (a scan of every page); `unless_verified` skips
/// both when the file is exactly as a clean close of this store left it (see
/// verified_unchanged), so opening costs the same at any size.
enum class Depth { full, unless_verified };

/// Checks the file at `path` (which exists) read-only: SQLite header, application_id,
/// user_version, the exact set of schema objects, PRAGMA quick_check (see Depth).
Verdict inspect(const std::filesystem::path& path, Depth depth = Depth::full);

/// The stamp "<path>.verified" records the file's identity (inode, size, ctime) when the
/// last connection of a HistoryStore closed it cleanly (no -wal frames left). ctime changes on any
/// write by anyone and cannot be set back, so a matching stamp with no -wal frames means no
/// byte changed since a close that followed a check. A missing or stale stamp is harmless:
/// the next open checks the whole file again.
bool verified_unchanged(const std::filesystem::path& path);
/// Writes the stamp after a clean close (nothing when -wal frames are left: another
/// connection is still open, or the close did not checkpoint).
void stamp_verified(const std::filesystem::path& path);

/// Moves `path` and its -wal / -shm aside to "<path>.corrupt-<unix time>[-N]"; returns the new name.
base::Result<std::filesystem::path> set_aside(const std::filesystem::path& path);

/// Brings an open read-write database to latest_schema_version() inside one BEGIN IMMEDIATE
/// transaction that re-reads user_version once it holds the lock. A newer version or a
/// foreign application_id is an Error and nothing is written.
base::Status migrate(SQLite::Database& db, int target_version);

/// Foreign key enforcement on the connection. Migrations run with it on; the connection a
/// HistoryStore then uses has it off: the recording path writes only ids it just checked or
/// created in the same transaction (the run by run_identity, nodes by add_nodes), and the
/// five parent lookups per result (results: run, node; test_stats: node, last_run; series:
/// node) cost ~12,000 instructions, a third of recording it. The one cascade the store relied
/// on (forgotten nodes' series rows) is an explicit delete in prune(); merge_from() turns
/// enforcement on for its transaction. A PRAGMA change re-prepares every statement, so it is
/// never toggled per write.
void enforce_foreign_keys(SQLite::Database& db, bool on);

/// Opens `path` read-write and sets the connection pragmas (WAL, busy timeout, ...),
/// setting aside a corrupt or foreign file first, and migrates it; foreign keys are then
/// left unenforced (enforce_foreign_keys). Appends the reasons to `warnings`.
base::Result<std::unique_ptr<SQLite::Database>> open_file(const std::filesystem::path& path,
                                                          std::vector<std::string>& warnings);

/// An in-memory database with the latest schema (foreign keys unenforced, as open_file).
base::Result<std::unique_ptr<SQLite::Database>> open_memory_db();

/// Recomputes test_stats from the results table: for every node, or (when `only_marked`) for
/// the nodes listed in temp.stats_todo(node). Counters never decrease: each is the max of
/// the recomputed value and the row it replaces. Implemented in maintenance.cc.
void rebuild_test_stats(SQLite::Database& db, bool only_marked);
/// Recomputes the series table (schema 5) from the results table: per test, the samples of
/// its last `keep_runs` timed results, in run order.
void rebuild_series(SQLite::Database& db, int keep_runs);

/// PRAGMA user_version / application_id of an open connection.
int user_version(SQLite::Database& db);
int application_id(SQLite::Database& db);

}  // namespace fastest::store
