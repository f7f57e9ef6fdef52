#pragma once
// Internal to the store: the connection, its prepared statements and its caches, shared by
// history_store.cc (recording), queries.cc (history and stats) and maintenance.cc (db tools).

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <sqlite3.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "base/result.h"
#include "stats.h"
#include "store/history_store.h"

namespace fastest::store {

inline constexpr double k_week_s = 7 * 24 * 3600.0;
inline constexpr int k_default_keep_runs = 30;
/// Rows per multi-row INSERT when recording: fewer statement executions per result.
inline constexpr int k_rows_per_insert = 32;

/// Every statement the store runs more than once, prepared once per connection.
struct Statements {
  explicit Statements(SQLite::Database& db);
  SQLite::Statement get_file, upsert_file;
  SQLite::Statement insert_run, get_run, finish_run, run_work, run_count;
  SQLite::Statement insert_node, insert_nodes, max_node, insert_result, insert_results, upsert_stat, upsert_stats,
      results_of_run;
  SQLite::Statement data_version, count_nodes;
  SQLite::Statement get_module_stats, upsert_module_stats, insert_module_cost, insert_batch;
  SQLite::Statement module_overheads, slowest_tests, flaky_tests, module_sums, recent_runs, batches;
  SQLite::Statement insert_attempt, insert_repeat, append_sample, append_samples;
  SQLite::Statement get_snapshot, put_snapshot, drop_snapshot;
};

/// One node (test id) as cached in memory: its integer id and its statistics.
struct NodeState {
  std::int64_t id = 0;
  std::string file;
  bool has_stats = false;
  TestStatsRow stats;
};

/// The state behind HistoryStore (its Impl); helpers take it by reference.
struct StoreImpl {
  std::unique_ptr<SQLite::Database> db;
  Statements st;
  std::vector<std::string> warnings;
  int keep_runs = k_default_keep_runs;
  double max_age_days = 0;  ///< 0: no age limit

  /// node id -> state; valid while PRAGMA data_version is unchanged (no other writer).
  std::unordered_map<std::string, NodeState> nodes;
  bool nodes_loaded = false;
  std::int64_t seen_data_version = -1;
  /// run id -> node ids already recorded for it (duplicates are dropped before the INSERT).
  std::unordered_map<std::int64_t, std::unordered_set<std::int64_t>> recorded;
  /// run id -> (uuid, started_unix) of runs written through this connection.
  std::unordered_map<std::int64_t, std::pair<std::string, double>> runs;

  explicit StoreImpl(std::unique_ptr<SQLite::Database> d) : db(std::move(d)), st(*db) {}

  /// Drops the caches if another connection committed since they were filled.
  void refresh_if_stale();
  /// Fills `nodes` from nodes + test_stats (one scan) unless already loaded.
  void load_nodes();
  /// history() inside the caller's transaction: from `nodes` when loaded, else from the
  /// snapshot when it decodes, else by scanning the tables.
  History read_history();
  /// Deletes the history snapshot; every write that changes test_stats or module_stats calls
  /// it inside its transaction (schema/0009_history_snapshot.sql).
  void drop_history_snapshot();
  /// Writes the snapshot, in its own write transaction, when there is none (end of a run).
  void write_history_snapshot();
  void invalidate() {
    nodes.clear();
    nodes_loaded = false;
    recorded.clear();
  }
};

struct HistoryStore::Impl : StoreImpl {
  using StoreImpl::StoreImpl;
  std::filesystem::path file;  ///< the database file; empty in memory
};

/// Resets a cached statement when the scope ends, whatever happened.
class Using {
 public:
  explicit Using(SQLite::Statement& st) : m_st(st) {}
  ~Using() { m_st.tryReset(); }
  Using(const Using&) = delete;
  Using& operator=(const Using&) = delete;
  SQLite::Statement* operator->() { return &m_st; }
  SQLite::Statement& operator*() { return m_st; }

 private:
  SQLite::Statement& m_st;
};

/// Seconds as stored: tiny negatives (clock jitter) clamp to 0; NaN, infinities, larger
/// negatives and more than a week are rejected (NULL = unknown).
inline std::optional<double> clean_seconds(double s) {
  if (!std::isfinite(s) || s > k_week_s || s < -1e-3) return std::nullopt;
  return s < 0 ? 0.0 : s;
}

inline void bind_seconds(SQLite::Statement& st, int index, double s) {
  if (auto v = clean_seconds(s)) {
    st.bind(index, *v);
  } else {
    st.bind(index);
  }
}

/// Seconds stored as integer microseconds (results, schema 5): an integer takes 0-4 bytes on
/// disk where a REAL takes 8. Rejected values are NULL, as in bind_seconds.
inline void bind_micros(SQLite::Statement& st, int index, double s, double per_second = 1e6) {
  if (auto v = clean_seconds(s)) {
    st.bind(index, static_cast<std::int64_t>(std::llround(*v * per_second)));
  } else {
    st.bind(index);
  }
}

/// An integer-microseconds column read back as seconds: nullopt unless sane.
inline std::optional<double> column_micros(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  const std::int64_t v = c.getInt64();
  if (v < 0 || static_cast<double>(v) > k_week_s * 1e6) return std::nullopt;
  return static_cast<double>(v) / 1e6;
}

/// A column read back from an untrusted file as seconds: nullopt unless finite and sane.
/// A statement prepared on the raw handle, for the few hot loops where SQLite::Column's
/// per-read shared_ptr copy shows; finalized when it goes out of scope.
using RawStatement = std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>;
inline RawStatement prepare_raw(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v3(db, sql, -1, 0, &st, nullptr) != SQLITE_OK) {
    sqlite3_finalize(st);
    throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db));
  }
  return RawStatement(st, sqlite3_finalize);
}

/// A stored duration as read: nullopt for values no writer stores (NaN, negative, > a week).
inline std::optional<double> clean_estimate(double v) {
  if (!std::isfinite(v) || v < 0 || v > k_week_s) return std::nullopt;
  return v;
}

inline std::optional<double> column_seconds(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return clean_estimate(c.getDouble());
}

inline base::Error db_error(const std::string& what, const std::exception& e) {
  return base::make_error(base::ErrorCode::database, what + ": " + e.what());
}

/// Reads a test_stats row from columns first..first+10 of `q` (n, timed, estimate_s, spread_s,
/// last_s, last_outcome, last_verdict, failures, flips, last_run, recent); the raw form for
/// hot loops.
TestStatsRow read_stats(SQLite::Statement& q, int first);
TestStatsRow read_stats(sqlite3_stmt* q, int first);
/// Binds `s` (which must outlive the statement's step) as parameters at + 1 ... at + 12 of an
/// insert into test_stats (node, n, timed, estimate_s, spread_s, last_s, last_outcome,
/// last_verdict, failures, flips, last_run, recent).
void write_stats(SQLite::Statement& up, std::int64_t node, const TestStatsRow& s, int at = 0);

}  // namespace fastest::store
