// HistoryStore: retention, merge of shard databases, export and check (`fastest db ...`).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <tuple>

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Transaction.h>

#include "base/outcome.h"
#include "open_db.h"
#include "schema.h"
#include "store_impl.h"

namespace fastest::store {
namespace fs = std::filesystem;
namespace {

std::int64_t changes(SQLite::Database& db, const std::string& sql) { return db.exec(sql); }

double unix_seconds_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

/// A read-only URI for ATTACH, so SQLite never writes (or checkpoints) the other file.
std::string readonly_uri(const fs::path& path) {
  std::string out = "file:";
  for (unsigned char c : fs::absolute(path).string()) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      static constexpr char k_hex[] = "0123456789ABCDEF";
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    }
  }
  return out + "?mode=ro";
}

fs::path temp_sibling(const fs::path& path, const char* what) {
  std::random_device rd;
  return path.string() + "." + what + "-" + std::to_string(rd()) + std::to_string(rd());
}

void fsync_path(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

/// One test_stats row with its node's id and its last run's uuid, keyed by node_id text.
struct NamedStats {
  std::int64_t node = 0;
  TestStatsRow stats;
  std::string last_run_uuid;
};

std::unordered_map<std::string, NamedStats> load_named_stats(SQLite::Database& db, const std::string& schema) {
  std::unordered_map<std::string, NamedStats> out;
  SQLite::Statement q(db,
                      "SELECT n.id, n.node_id, s.n, s.timed, s.estimate_s, s.spread_s, s.last_s, s.last_outcome, "
                      "s.last_verdict, s.failures, s.flips, s.last_run, s.recent, r.uuid FROM " +
                          schema + ".test_stats s JOIN " + schema + ".nodes n ON n.id = s.node JOIN " + schema +
                          ".runs r ON r.id = s.last_run");
  while (q.executeStep()) {
    out[q.getColumn(1).getString()] =
        NamedStats{q.getColumn(0).getInt64(), read_stats(q, 2), q.getColumn(13).getString()};
  }
  return out;
}

/// A total order on rows with the same last run, so ties resolve the same in any merge order.
auto rank(const TestStatsRow& s) {
  return std::make_tuple(s.n, s.timed, s.failures, s.flips, s.estimate_s, s.recent.size);
}

void keep_max_counters(TestStatsRow& into, const TestStatsRow& other) {
  into.n = std::max(into.n, other.n);
  into.timed = std::max(into.timed, other.timed);
  into.failures = std::max(into.failures, other.failures);
  into.flips = std::max(into.flips, other.flips);
}

constexpr const char* k_upsert_stats =
    "INSERT OR REPLACE INTO main.test_stats (node, n, timed, estimate_s, spread_s, last_s, last_outcome, "
    "last_verdict, failures, flips, last_run, recent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// Decides each test's statistics after `src` was attached and its rows copied: the side whose
/// history already contains the other side's latest run of the test wins; when neither does
/// (divergent histories) the statistics are recomputed from the merged results.
void merge_test_stats(SQLite::Database& db) {
  const auto mine = load_named_stats(db, "main");
  const auto theirs = load_named_stats(db, "src");
  std::unordered_map<std::string, std::int64_t> main_ids, main_runs;
  {
    SQLite::Statement q(db, "SELECT node_id, id FROM main.nodes");
    while (q.executeStep()) main_ids[q.getColumn(0).getString()] = q.getColumn(1).getInt64();
    SQLite::Statement r(db, "SELECT uuid, id FROM main.runs");
    while (r.executeStep()) main_runs[r.getColumn(0).getString()] = r.getColumn(1).getInt64();
  }
  SQLite::Statement known(db, "SELECT 1 FROM temp.known_runs WHERE uuid = ?");
  SQLite::Statement in_src(db, "SELECT 1 FROM src.runs WHERE uuid = ?");
  auto has = [](SQLite::Statement& st, const std::string& uuid) {
    st.reset();
    st.bind(1, uuid);
    return st.executeStep();
  };
  SQLite::Statement up(db, k_upsert_stats);
  db.exec("CREATE TEMP TABLE IF NOT EXISTS stats_todo (node INTEGER PRIMARY KEY)");
  db.exec("DELETE FROM temp.stats_todo");
  SQLite::Statement todo(db, "INSERT OR IGNORE INTO temp.stats_todo (node) VALUES (?)");
  for (const auto& [node_id, s] : theirs) {
    const std::int64_t id = main_ids.at(node_id);
    TestStatsRow row = s.stats;
    row.last_run = main_runs.at(s.last_run_uuid);
    auto o = mine.find(node_id);
    if (o == mine.end()) {
      // Not known here: theirs as it is.
    } else if (o->second.last_run_uuid == s.last_run_uuid) {
      if (!(rank(s.stats) > rank(o->second.stats))) continue;
    } else if (has(known, s.last_run_uuid)) {
      continue;  // this database already saw their latest run of the test
    } else if (!has(in_src, o->second.last_run_uuid)) {
      // Divergent: both ran it in runs the other never saw. Recompute from the merged
      // results below; the counters keep the larger side (results may have been pruned).
      row = o->second.stats;
      keep_max_counters(row, s.stats);
      todo.reset();
      todo.bind(1, id);
      todo.exec();
    }
    up.reset();
    write_stats(up, id, row);
    up.exec();
  }
  if (SQLite::Statement any(db, "SELECT 1 FROM temp.stats_todo LIMIT 1"); any.executeStep()) {
    rebuild_test_stats(db, true);
  }
}

/// The SQL that folds the attached `src` into main, in order (runs before what refers to them).
constexpr const char* k_merge_sql[] = {
    "CREATE TEMP TABLE known_runs AS SELECT uuid FROM main.runs",
    "INSERT INTO main.runs (uuid, started_unix, ended_unix, argv, workers, schedule, shard, python_version, host, "
    "git_commit, predicted_makespan_s, actual_makespan_s, exit_status, passed, failed, errors, skipped, work_s, "
    "lower_bound_s, cold_start) SELECT uuid, started_unix, ended_unix, argv, workers, schedule, shard, "
    "python_version, host, git_commit, predicted_makespan_s, actual_makespan_s, exit_status, passed, failed, errors, "
    "skipped, work_s, lower_bound_s, cold_start FROM src.runs WHERE uuid NOT IN (SELECT uuid FROM main.runs) ORDER BY "
    "started_unix, uuid",
    // A run seen unfinished in one file and finished in the other is finished.
    "UPDATE main.runs AS m SET ended_unix = s.ended_unix, actual_makespan_s = s.actual_makespan_s, "
    "exit_status = s.exit_status, passed = s.passed, failed = s.failed, errors = s.errors, skipped = s.skipped, "
    "work_s = s.work_s FROM src.runs AS s WHERE s.uuid = m.uuid AND m.ended_unix IS NULL "
    "AND s.ended_unix IS NOT NULL",
    "INSERT OR IGNORE INTO main.nodes (node_id, file) SELECT node_id, file FROM src.nodes ORDER BY node_id",
    // Integer maps first, so copying results is rowid lookups, not a text-index seek per row.
    "CREATE TEMP TABLE node_map (src INTEGER PRIMARY KEY, main INTEGER NOT NULL)",
    "INSERT INTO temp.node_map SELECT sn.id, mn.id FROM src.nodes sn JOIN main.nodes mn ON mn.node_id = sn.node_id",
    "CREATE TEMP TABLE run_map (src INTEGER PRIMARY KEY, main INTEGER NOT NULL)",
    "INSERT INTO temp.run_map SELECT sr.id, mr.id FROM src.runs sr JOIN main.runs mr ON mr.uuid = sr.uuid",
    "INSERT OR IGNORE INTO main.results (run, node, outcome, setup_us, call_us, teardown_us, worker, start_ms, "
    "message) SELECT rm.main, nm.main, r.outcome, r.setup_us, r.call_us, r.teardown_us, r.worker, r.start_ms, "
    "r.message FROM src.results r JOIN temp.run_map rm ON rm.src = r.run JOIN temp.node_map nm ON nm.src = r.node "
    "ORDER BY rm.main, nm.main",
    "INSERT OR IGNORE INTO main.attempts (run, node, attempt, outcome, setup_s, call_s, teardown_s, worker, "
    "start_offset_s, message) SELECT rm.main, nm.main, a.attempt, a.outcome, a.setup_s, a.call_s, a.teardown_s, "
    "a.worker, a.start_offset_s, a.message FROM src.attempts a JOIN temp.run_map rm ON rm.src = a.run "
    "JOIN temp.node_map nm ON nm.src = a.node",
    "INSERT OR IGNORE INTO main.repeats (run, node, seq, outcome, setup_us, call_us, teardown_us, worker, start_ms, "
    "message) SELECT rm.main, nm.main, p.seq, p.outcome, p.setup_us, p.call_us, p.teardown_us, p.worker, p.start_ms, "
    "p.message FROM src.repeats p JOIN temp.run_map rm ON rm.src = p.run JOIN temp.node_map nm ON nm.src = p.node",
    "INSERT OR IGNORE INTO main.module_costs (run, file, slice, worker, import_s, fixture_s) SELECT mr.id, c.file, "
    "c.slice, c.worker, c.import_s, c.fixture_s FROM src.module_costs c JOIN src.runs sr ON sr.id = c.run "
    "JOIN main.runs mr ON mr.uuid = sr.uuid",
    "INSERT OR IGNORE INTO main.batches (run, worker, start_s, end_s, module, tests) SELECT mr.id, b.worker, "
    "b.start_s, b.end_s, b.module, b.tests FROM src.batches b JOIN src.runs sr ON sr.id = b.run "
    "JOIN main.runs mr ON mr.uuid = sr.uuid",
    // Module overheads: the row from the later run wins (ties: more samples).
    "INSERT INTO main.module_stats (file, n, estimate_s, last_s, last_run_uuid, last_started_unix, recent) "
    "SELECT file, n, estimate_s, last_s, last_run_uuid, last_started_unix, recent FROM src.module_stats WHERE true "
    "ON CONFLICT (file) DO UPDATE SET n = excluded.n, estimate_s = excluded.estimate_s, last_s = excluded.last_s, "
    "last_run_uuid = excluded.last_run_uuid, last_started_unix = excluded.last_started_unix, "
    "recent = excluded.recent WHERE (excluded.last_started_unix, excluded.last_run_uuid, excluded.n) > "
    "(module_stats.last_started_unix, module_stats.last_run_uuid, module_stats.n)",
    // Discovery cache: per file, the entry with the larger (mtime, size, hash) wins, items with it.
    "CREATE TEMP TABLE file_winners AS SELECT s.path FROM src.files s LEFT JOIN main.files m ON m.path = s.path "
    "WHERE m.path IS NULL OR (s.mtime_ns, s.size, s.content_hash) > (m.mtime_ns, m.size, m.content_hash)",
    "INSERT OR REPLACE INTO main.files SELECT * FROM src.files WHERE path IN (SELECT path FROM temp.file_winners)",
};

constexpr const char* k_drop_merge_temps =
    "DROP TABLE IF EXISTS temp.known_runs; DROP TABLE IF EXISTS temp.file_winners; "
    "DROP TABLE IF EXISTS temp.node_map; DROP TABLE IF EXISTS temp.run_map";

/// `path` if it has the latest schema, else a migrated temporary copy (removed by the caller).
fs::path upgraded_copy(const fs::path& path, int version) {
  if (version == latest_schema_version()) return path;
  const fs::path tmp = temp_sibling(fs::temp_directory_path() / path.filename(), "upgrade");
  SQLite::Database from(path, SQLite::OPEN_READONLY);
  harden(from);
  SQLite::Database to(tmp, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  SQLite::Backup(to, from).executeStep();
  harden(to);
  to.exec("PRAGMA foreign_keys=ON");
  if (auto st = migrate(to, latest_schema_version()); !st) throw std::runtime_error(st.error().message);
  return tmp;
}

}  // namespace

base::Result<std::int64_t> HistoryStore::prune(int keep_runs, double max_age_days) {
  Impl& impl = *m_impl;
  try {
    SQLite::Transaction tx(*impl.db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement cut(*impl.db,
                          "SELECT started_unix, uuid FROM runs ORDER BY started_unix DESC, uuid DESC "
                          "LIMIT 1 OFFSET ?");
    cut.bind(1, std::max(1, keep_runs) - 1);
    const double age_s = std::isfinite(max_age_days) && max_age_days > 0 ? max_age_days * 86400 : 0;
    const bool over = cut.executeStep();
    if (!over && age_s == 0) return std::int64_t{0};
    // Fewer runs than kept: only the age can cut.
    const double started = over ? cut.getColumn(0).getDouble() : -1e300;
    const std::string uuid = over ? cut.getColumn(1).getString() : std::string();
    // Runs older than the cut keep their row (identity for merges, `stats` history).
    impl.db->exec("CREATE TEMP TABLE IF NOT EXISTS old_runs (id INTEGER PRIMARY KEY)");
    impl.db->exec("DELETE FROM temp.old_runs");
    // By age too, but never the newest run: a project left alone for months keeps a plan.
    SQLite::Statement old(*impl.db,
                          "INSERT INTO temp.old_runs SELECT id FROM runs WHERE (started_unix, uuid) < (?1, ?2) "
                          "OR (started_unix < ?3 AND id <> (SELECT id FROM runs ORDER BY started_unix DESC, "
                          "uuid DESC LIMIT 1))");
    old.bind(1, started);
    old.bind(2, uuid);
    old.bind(3, age_s > 0 ? unix_seconds_now() - age_s : -1e300);
    old.exec();
    const std::int64_t deleted = changes(*impl.db, "DELETE FROM results WHERE run IN (SELECT id FROM temp.old_runs)");
    impl.db->exec("DELETE FROM module_costs WHERE run IN (SELECT id FROM temp.old_runs)");
    impl.db->exec("DELETE FROM batches WHERE run IN (SELECT id FROM temp.old_runs)");
    impl.db->exec("DELETE FROM attempts WHERE run IN (SELECT id FROM temp.old_runs)");
    impl.db->exec("DELETE FROM repeats WHERE run IN (SELECT id FROM temp.old_runs)");
    const bool forgot =
        changes(*impl.db, "DELETE FROM test_stats WHERE last_run IN (SELECT id FROM temp.old_runs)") > 0;
    if (forgot) {
      impl.db->exec(
          "DELETE FROM nodes WHERE id NOT IN (SELECT node FROM test_stats) "
          "AND id NOT IN (SELECT node FROM results) AND id NOT IN (SELECT node FROM attempts) "
          "AND id NOT IN (SELECT node FROM repeats)");
      // series' ON DELETE CASCADE, by hand: the connection does not enforce foreign keys.
      impl.db->exec("DELETE FROM series WHERE node NOT IN (SELECT id FROM nodes)");
    }
    SQLite::Statement stale_modules(
        *impl.db,
        "DELETE FROM module_stats WHERE last_started_unix < (SELECT coalesce(min(started_unix), ?) "
        "FROM runs WHERE id NOT IN (SELECT id FROM temp.old_runs))");
    stale_modules.bind(1, started);
    if (stale_modules.exec() > 0 || forgot) impl.drop_history_snapshot();
    tx.commit();
    // Deleted results do not change the cached statistics; forgotten tests do.
    if (forgot) impl.invalidate();
    return deleted;
  } catch (const std::exception& e) {
    impl.invalidate();
    return db_error("pruning old results", e);
  }
}

base::Status HistoryStore::compact() {
  try {
    m_impl->db->exec("VACUUM");
    m_impl->db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    m_impl->invalidate();
    return base::ok_status();
  } catch (const std::exception& e) {
    return db_error("compacting the database", e);
  }
}

base::Status HistoryStore::merge_from(const fs::path& other) {
  Impl& impl = *m_impl;
  std::error_code ec;
  if (!fs::exists(other, ec)) return base::make_error(base::ErrorCode::io, other.string() + ": no such file");
  const std::string main_file = impl.db->getFilename();
  if (!main_file.empty() && fs::equivalent(main_file, other, ec)) return base::ok_status();
  fs::path attached;
  try {
    const Verdict v = inspect(other);
    if (v.kind != Verdict::Kind::usable) {
      return base::make_error(base::ErrorCode::database,
                              other.string() + ": " + (v.reason.empty() ? "empty database" : v.reason));
    }
    attached = upgraded_copy(other, v.version);
    SQLite::Statement attach(*impl.db, "ATTACH DATABASE ? AS src");
    attach.bind(1, readonly_uri(attached));
    attach.exec();
    impl.db->exec("PRAGMA src.cache_size=-65536");  // it is read more than once: keep it cached
    // Copied rows must keep every reference: enforced here, where nothing checked them before.
    enforce_foreign_keys(*impl.db, true);
    struct Unenforce {
      SQLite::Database& db;
      ~Unenforce() {
        try {
          enforce_foreign_keys(db, false);
        } catch (const std::exception&) {
          // Left on: slower recording, same contents.
        }
      }
    } unenforce{*impl.db};
    try {
      SQLite::Transaction tx(*impl.db, SQLite::TransactionBehavior::IMMEDIATE);
      for (const char* sql : k_merge_sql) impl.db->exec(sql);
      merge_test_stats(*impl.db);
      rebuild_series(*impl.db, impl.keep_runs);
      impl.drop_history_snapshot();
      impl.db->exec(k_drop_merge_temps);
      tx.commit();
    } catch (...) {
      impl.db->exec(k_drop_merge_temps);
      impl.db->exec("DETACH DATABASE src");
      throw;
    }
    impl.db->exec("DETACH DATABASE src");
    impl.invalidate();
    if (attached != other) fs::remove(attached, ec);
    return base::ok_status();
  } catch (const std::exception& e) {
    impl.invalidate();
    if (!attached.empty() && attached != other) fs::remove(attached, ec);
    return db_error("merging " + other.string(), e);
  }
}

base::Status HistoryStore::merge(std::span<const fs::path> inputs, const fs::path& out,
                                 std::vector<std::string>& warnings) {
  auto store = open(out);
  if (!store) return store.error();
  for (const std::string& w : (*store)->warnings()) warnings.push_back(w);
  for (const fs::path& in : inputs) {
    if (auto st = (*store)->merge_from(in); !st) warnings.push_back("skipped " + st.error().message);
  }
  return base::ok_status();
}

base::Status HistoryStore::export_to(const fs::path& out) const {
  const fs::path tmp = temp_sibling(out, "export");
  std::error_code ec;
  const std::string self = m_impl->db->getFilename();
  if (!self.empty() && fs::equivalent(self, out, ec)) {
    return base::make_error(base::ErrorCode::usage, "cannot export " + out.string() + " onto itself");
  }
  try {
    if (out.has_parent_path()) fs::create_directories(out.parent_path());
    SQLite::Statement vac(*m_impl->db, "VACUUM INTO ?");
    vac.bind(1, tmp.string());
    vac.exec();
    fsync_path(tmp);
    fs::rename(tmp, out);
    fsync_path(out.has_parent_path() ? out.parent_path() : fs::path("."));
    return base::ok_status();
  } catch (const std::exception& e) {
    fs::remove(tmp, ec);
    return db_error("exporting to " + out.string(), e);
  }
}

base::Result<CheckReport> HistoryStore::check(const fs::path& path) {
  CheckReport r;
  std::error_code ec;
  if (!fs::exists(path, ec)) return base::make_error(base::ErrorCode::io, path.string() + ": no such file");
  try {
    const Verdict v = inspect(path);
    r.schema_version = v.version;
    if (v.kind == Verdict::Kind::empty) r.problems.push_back("empty database (no fastest schema)");
    if (v.kind != Verdict::Kind::usable && !v.reason.empty()) r.problems.push_back(v.reason);
    if (v.kind == Verdict::Kind::usable || v.kind == Verdict::Kind::newer) {
      SQLite::Database db(path, SQLite::OPEN_READONLY, 10'000);
      harden(db);
      r.application_id = application_id(db);
      SQLite::Statement ic(db, "PRAGMA integrity_check");
      while (ic.executeStep()) {
        if (const std::string line = ic.getColumn(0).getString(); line != "ok") r.problems.push_back(line);
      }
    }
  } catch (const std::exception& e) {
    r.problems.push_back(std::string("SQLite: ") + e.what());
  }
  r.ok = r.problems.empty();
  return r;
}

void rebuild_test_stats(SQLite::Database& db, bool only_marked) {
  SQLite::Statement q(db, std::string("SELECT r.node, r.outcome, r.setup_us, r.call_us, r.teardown_us, r.run "
                                      "FROM main.results r JOIN main.runs ru ON ru.id = r.run ") +
                              (only_marked ? "WHERE r.node IN (SELECT node FROM temp.stats_todo) " : "") +
                              "ORDER BY r.node, ru.started_unix, ru.uuid");
  SQLite::Statement old(db,
                        "SELECT n, timed, estimate_s, spread_s, last_s, last_outcome, last_verdict, failures, "
                        "flips, last_run, recent FROM main.test_stats WHERE node = ?");
  SQLite::Statement up(db, k_upsert_stats);
  auto flush = [&](std::int64_t node, TestStatsRow& s) {
    old.reset();
    old.bind(1, node);
    if (old.executeStep()) keep_max_counters(s, read_stats(old, 0));
    up.reset();
    write_stats(up, node, s);
    up.exec();
  };
  std::int64_t node = -1;
  TestStatsRow s;
  while (q.executeStep()) {
    const std::int64_t n = q.getColumn(0).getInt64();
    if (n != node) {
      if (node >= 0) flush(node, s);
      node = n;
      s = TestStatsRow{};
    }
    const auto a = column_micros(q.getColumn(2)), b = column_micros(q.getColumn(3)), c = column_micros(q.getColumn(4));
    std::optional<double> total;
    if (a && b && c) total = *a + *b + *c;
    fold_result(s, q.getColumn(1).getInt(), total, q.getColumn(5).getInt64());
  }
  if (node >= 0) flush(node, s);
}

void rebuild_series(SQLite::Database& db, int keep_runs) {
  db.exec("DELETE FROM main.series");
  SQLite::Statement q(db,
                      "SELECT r.node, r.outcome, r.setup_us, r.call_us, r.teardown_us, r.run FROM main.results r "
                      "JOIN main.runs ru ON ru.id = r.run ORDER BY r.node, ru.started_unix, ru.uuid");
  SQLite::Statement up(db, "INSERT INTO main.series (node, samples) VALUES (?, ?)");
  const std::size_t cap = static_cast<std::size_t>(std::max(1, keep_runs)) * k_sample_bytes;
  std::int64_t node = -1;
  std::string samples;
  auto flush = [&] {
    if (node < 0 || samples.empty()) return;
    if (samples.size() > cap) samples.erase(0, samples.size() - cap);
    up.reset();
    up.bind(1, node);
    up.bind(2, samples.data(), static_cast<int>(samples.size()));
    up.exec();
  };
  while (q.executeStep()) {
    if (const std::int64_t n = q.getColumn(0).getInt64(); n != node) {
      flush();
      node = n;
      samples.clear();
    }
    const auto a = column_micros(q.getColumn(2)), b = column_micros(q.getColumn(3)), c = column_micros(q.getColumn(4));
    if (!a || !b || !c) continue;
    const int o = q.getColumn(1).getInt();
    const bool passed = o == static_cast<int>(base::Outcome::passed) || o == static_cast<int>(base::Outcome::flaky);
    append_sample(samples, q.getColumn(5).getInt64(), *a + *b + *c, passed);
  }
  flush();
}

}  // namespace fastest::store
