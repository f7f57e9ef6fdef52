// HistoryStore::query: `fastest db query SQL`, read-only, over documented views.
#include <sqlite3.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "open_db.h"
#include "schema.h"
#include "store_impl.h"

namespace fastest::store {
namespace {

/// base::Outcome numbers as pytest's words (base/outcome.cc), for the views.
constexpr const char* k_outcome_whens =
    " WHEN 1 THEN 'passed' WHEN 2 THEN 'failed' WHEN 3 THEN 'error' WHEN 4 THEN 'skipped' "
    "WHEN 5 THEN 'xfailed' WHEN 6 THEN 'xpassed' WHEN 7 THEN 'crashed' WHEN 8 THEN 'timeout' "
    "WHEN 9 THEN 'flaky' ELSE 'unknown' END";

std::string outcome_of(const char* column) {
  std::string out = "CASE ";
  out += column;
  out += k_outcome_whens;
  return out;
}

/// The documented views (docs/store.md), created in the connection's temp schema: the file
/// itself is never written, and its own schema was checked to hold no views before.
std::vector<std::string> view_sql() {
  return {
      "CREATE TEMP VIEW v_runs AS SELECT id AS run, uuid, datetime(started_unix, 'unixepoch') AS started, "
      "started_unix, ended_unix, git_commit, python_version, host, workers, schedule, shard, exit_status, passed, "
      "failed, errors, skipped, predicted_makespan_s AS predicted_s, actual_makespan_s AS actual_s, lower_bound_s, "
      "work_s FROM main.runs",
      // results.outcome_name is the same CASE as a virtual column (schema 0008): a filter on
      // it is a plain column term, so `outcome = 'failed'` reads the results_not_passed index.
      "CREATE TEMP VIEW v_results AS SELECT r.run, ru.started_unix, ru.git_commit, n.node_id, n.file, "
      "r.outcome_name AS outcome, (r.setup_us + r.call_us + r.teardown_us) / 1e6 AS duration_s, r.setup_us / 1e6 AS "
      "setup_s, "
      "r.call_us / 1e6 AS call_s, r.teardown_us / 1e6 AS teardown_s, r.worker, r.start_ms / 1e3 AS "
      "start_offset_s, r.message, 1 + (SELECT count(*) FROM main.attempts a WHERE a.run = r.run "
      "AND a.node = r.node) AS attempts FROM main.results r "
      // LEFT JOINs on rowids: SQLite drops them when a query uses none of their columns
      // (every result has its node and run), so a count over results reads results alone.
      "LEFT JOIN main.nodes n ON n.id = r.node LEFT JOIN main.runs ru ON ru.id = r.run",
      "CREATE TEMP VIEW v_attempts AS SELECT a.run, n.node_id, n.file, a.attempt, " + outcome_of("a.outcome") +
          " AS outcome, a.setup_s + a.call_s + a.teardown_s AS duration_s, a.worker, a.message "
          "FROM main.attempts a JOIN main.nodes n ON n.id = a.node",
      "CREATE TEMP VIEW v_repeats AS SELECT p.run, n.node_id, n.file, p.seq, " + outcome_of("p.outcome") +
          " AS outcome, (p.setup_us + p.call_us + p.teardown_us) / 1e6 AS duration_s, p.worker, p.message "
          "FROM main.repeats p JOIN main.nodes n ON n.id = p.node",
      "CREATE TEMP VIEW v_tests AS SELECT n.node_id, n.file, s.n AS runs, s.estimate_s, s.spread_s, s.last_s, " +
          outcome_of("s.last_outcome") +
          " AS last_outcome, s.failures, s.flips, s.last_run FROM main.test_stats s JOIN main.nodes n ON n.id = "
          "s.node",
      "CREATE TEMP VIEW v_modules AS SELECT n.file, count(*) AS tests, total(s.estimate_s) + coalesce(m.estimate_s, "
      "0) AS estimate_s, coalesce(m.estimate_s, 0) AS overhead_s FROM main.test_stats s JOIN main.nodes n ON n.id = "
      "s.node LEFT JOIN main.module_stats m ON m.file = n.file GROUP BY n.file",
  };
}

base::Error usage(const std::string& m) { return base::make_error(base::ErrorCode::usage, m); }

}  // namespace

base::Result<QueryResult> HistoryStore::query(const std::filesystem::path& path, const std::string& sql) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return base::make_error(base::ErrorCode::database, path.string() + ": no such database");
  try {
    const Verdict v = inspect(path, Depth::unless_verified);
    if (v.kind != Verdict::Kind::usable)
      return base::make_error(base::ErrorCode::database,
                              path.string() + ": " + (v.reason.empty() ? "empty database" : v.reason));
    if (v.version != latest_schema_version())
      return base::make_error(
          base::ErrorCode::database,
          path.string() + ": schema version " + std::to_string(v.version) + " (run fastest once to upgrade it)");
    SQLite::Database db(path, SQLite::OPEN_READONLY, 10000);
    harden(db);
    // A query may scan every result: read pages in place instead of copying each into the
    // page cache (the file was checked just above; this connection never writes).
    db.exec("PRAGMA mmap_size=1073741824");
    // Our own temp views only: the file's schema holds none (inspect compared it exactly).
    sqlite3_db_config(db.getHandle(), SQLITE_DBCONFIG_ENABLE_VIEW, 1, nullptr);
    for (const auto& v_sql : view_sql()) db.exec(v_sql);
    db.exec("PRAGMA query_only=ON");
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(db.getHandle(), sql.c_str(), static_cast<int>(sql.size()), &raw, &tail) != SQLITE_OK)
      return usage(std::string("SQL error: ") + sqlite3_errmsg(db.getHandle()));
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st(raw, sqlite3_finalize);
    if (!st) return usage("SQL error: no statement");
    if (tail && std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos)
      return usage("SQL error: one statement at a time");
    if (!sqlite3_stmt_readonly(st.get()))
      return usage("refused: `fastest db query` only reads (the statement would change the database)");
    QueryResult out;
    const int n = sqlite3_column_count(st.get());
    for (int i = 0; i < n; ++i) out.columns.emplace_back(sqlite3_column_name(st.get(), i));
    int rc;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      auto& row = out.rows.emplace_back();
      for (int i = 0; i < n; ++i) {
        if (sqlite3_column_type(st.get(), i) == SQLITE_NULL) {
          row.emplace_back(std::nullopt);
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), i));
          row.emplace_back(std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(st.get(), i))));
        }
      }
    }
    if (rc != SQLITE_DONE) return usage(std::string("SQL error: ") + sqlite3_errmsg(db.getHandle()));
    return out;
  } catch (const std::exception& e) {
    return db_error("querying " + path.string(), e);
  }
}

}  // namespace fastest::store
