#pragma once
// Helpers shared by the store tests: temp directories, raw file bytes, raw SQLite access.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "base/test_item.h"
#include "store/history_store.h"
#include "store/schema.h"

namespace fastest::store::testing {

/// History::test_seconds by node id, for lookups; a node id listed twice fails the test.
inline std::map<std::string, double> seconds_by_id(const History& h) {
  std::map<std::string, double> out;
  for (const auto& [id, s] : h.test_seconds) EXPECT_TRUE(out.emplace(id, s).second) << id << " listed twice";
  return out;
}

/// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    m_path = std::filesystem::temp_directory_path() / ("fastest-store-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

 private:
  std::filesystem::path m_path;
};

inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// A database as an older fastest left it: the migrations up to `version`, its
/// user_version and application_id, then `rows` (SQL inserting what the test needs).
inline void write_at_version(const std::filesystem::path& path, int version, const std::string& rows = "") {
  SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  raw.exec("PRAGMA journal_mode=WAL");
  for (int v = 0; v < version; ++v) raw.exec(std::string(migrations()[v].sql));
  raw.exec("PRAGMA user_version=" + std::to_string(version) +
           "; PRAGMA application_id=" + std::to_string(k_application_id));
  if (!rows.empty()) raw.exec(rows);
}

inline std::int64_t query_int(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement st(db, sql);
  return st.executeStep() ? st.getColumn(0).getInt64() : -1;
}

inline std::string query_text(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement st(db, sql);
  return st.executeStep() ? st.getColumn(0).getString() : "";
}

/// The files next to `db_path` whose name starts with "<db name>.corrupt-" (set-aside copies).
inline std::vector<std::filesystem::path> set_aside_files(const std::filesystem::path& db_path) {
  std::vector<std::filesystem::path> out;
  const std::string prefix = db_path.filename().string() + ".corrupt-";
  for (const auto& e : std::filesystem::directory_iterator(db_path.parent_path())) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.find("-wal") == std::string::npos &&
        name.find("-shm") == std::string::npos) {
      out.push_back(e.path());
    }
  }
  return out;
}

/// Every row that carries meaning, keyed by global identities (run uuid, node id), sorted:
/// two stores with equal dumps hold the same history whatever their local row ids.
inline std::vector<std::string> canonical_dump(const std::filesystem::path& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  const char* queries[] = {
      "SELECT 'run', uuid, started_unix, ended_unix, argv, workers, shard, predicted_makespan_s, actual_makespan_s, "
      "exit_status, passed, failed, work_s FROM runs",
      "SELECT 'result', ru.uuid, n.node_id, n.file, r.outcome, r.setup_us, r.call_us, r.teardown_us, r.worker, "
      "r.message FROM results r JOIN runs ru ON ru.id = r.run JOIN nodes n ON n.id = r.node",
      "SELECT 'stat', n.node_id, s.n, s.timed, s.estimate_s, s.spread_s, s.last_s, s.last_outcome, s.last_verdict, "
      "s.failures, s.flips, ru.uuid, hex(s.recent) FROM test_stats s JOIN nodes n ON n.id = s.node "
      "JOIN runs ru ON ru.id = s.last_run",
      "SELECT 'module_stat', file, n, estimate_s, last_s, last_run_uuid, hex(recent) FROM module_stats",
      "SELECT 'module_cost', ru.uuid, c.file, c.slice, c.worker, c.import_s, c.fixture_s FROM module_costs c "
      "JOIN runs ru ON ru.id = c.run",
      "SELECT 'batch', ru.uuid, b.worker, b.start_s, b.end_s, b.module, b.tests FROM batches b "
      "JOIN runs ru ON ru.id = b.run",
      "SELECT 'file', path, size, mtime_ns, content_hash, error_line, error_message, hex(items) FROM files",
  };
  std::vector<std::string> rows;
  for (const char* sql : queries) {
    SQLite::Statement st(db, sql);
    while (st.executeStep()) {
      std::string row;
      for (int i = 0; i < st.getColumnCount(); ++i) {
        row += st.getColumn(i).isNull() ? std::string("NULL") : st.getColumn(i).getString();
        row += '|';
      }
      rows.push_back(std::move(row));
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

/// Opens the store at `path` from `n` threads at once; one entry per thread, empty when
/// that open succeeded with no warning at the latest schema, else what went wrong.
inline std::vector<std::string> open_concurrently(const std::filesystem::path& path, int n) {
  std::vector<std::string> problems(static_cast<std::size_t>(n));
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&path, &problems, i] {
      auto s = HistoryStore::open(path);
      auto& problem = problems[static_cast<std::size_t>(i)];
      if (!s.ok()) {
        problem = s.error().message;
      } else if (!(*s)->warnings().empty()) {
        problem = (*s)->warnings()[0];
      } else if ((*s)->schema_version() != latest_schema_version()) {
        problem = "version " + std::to_string((*s)->schema_version());
      }
    });
  }
  for (auto& t : threads) t.join();
  return problems;
}

/// Records one finished run of `results` started with `info`.
inline void record_run(HistoryStore& s, const std::vector<base::TestResult>& results, const RunInfo& info = {}) {
  auto run = s.begin_run(info);
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(s.record_results(*run, results).ok());
  ASSERT_TRUE(s.finish_run(*run, RunEnd{}).ok());
}

/// A result for `node` ("file.py::test") with only the call phase timed.
inline base::TestResult result(const std::string& node, base::Outcome o, double call_s) {
  base::TestResult r;
  r.node_id = node;
  r.file = node.substr(0, node.find("::"));
  r.outcome = o;
  r.call_s = call_s;
  return r;
}

/// Merges `from` into `dir`/m.db twice (a merge is idempotent) and returns `count_sql` on
/// the result; a warning of the merge fails the calling test.
inline std::int64_t merge_twice_and_count(const TempDir& dir, const std::filesystem::path& from,
                                          const std::string& count_sql) {
  std::vector<std::string> warnings;
  std::vector<std::filesystem::path> inputs{from};
  EXPECT_TRUE(HistoryStore::merge(inputs, dir / "m.db", warnings).ok());
  EXPECT_TRUE(HistoryStore::merge(inputs, dir / "m.db", warnings).ok());
  EXPECT_TRUE(warnings.empty());
  SQLite::Database raw(dir / "m.db", SQLite::OPEN_READONLY);
  return query_int(raw, count_sql);
}

}  // namespace fastest::store::testing
