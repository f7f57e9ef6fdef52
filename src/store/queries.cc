// HistoryStore: what the planner and `fastest stats` read, and the per-module / per-batch
// records they are built from.
#include <algorithm>
#include <cmath>

#include <sqlite3.h>

#include <SQLiteCpp/Transaction.h>

#include "base/outcome.h"
#include "history_snapshot.h"
#include "store_impl.h"

namespace fastest::store {
namespace {

/// Loads the node cache inside a read transaction, so it is one consistent snapshot.
void load_snapshot(StoreImpl& impl) {
  SQLite::Transaction tx(*impl.db, SQLite::TransactionBehavior::DEFERRED);
  impl.refresh_if_stale();
  impl.load_nodes();
  tx.commit();
}

/// A stats query row (node_id, file, has, then the 12 test_stats columns) as a TestStat.
TestStat to_test_stat(SQLite::Statement& q) {
  const TestStatsRow s = read_stats(q, 3);
  TestStat t;
  t.node_id = q.getColumn(0).getString();
  t.file = q.getColumn(1).getString();
  t.runs = s.n;
  t.estimate_s = s.estimate_s;
  t.spread_s = s.spread_s;
  t.last_s = s.last_s;
  t.last_outcome = static_cast<base::Outcome>(s.last_outcome);
  t.failures = s.failures;
  t.flips = s.flips;
  t.trend = trend_ratio(s.recent);
  t.recent = s.recent.to_vector();
  return t;
}

std::vector<TestStat> collect(SQLite::Statement& st, std::size_t top) {
  Using q(st);
  q->bind(1, static_cast<std::int64_t>(std::min<std::size_t>(top, INT64_MAX)));
  std::vector<TestStat> out;
  while (q->executeStep()) out.push_back(to_test_stat(*q));
  return out;
}

std::optional<double> column_opt(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getDouble();
}

RunSummary to_run_summary(SQLite::Statement& q) {
  RunSummary r;
  r.id = q.getColumn(0).getInt64();
  r.uuid = q.getColumn(1).getString();
  r.started_unix = q.getColumn(2).getDouble();
  r.ended_unix = column_opt(q.getColumn(3));
  r.info.argv = q.getColumn(4).getString();
  r.info.workers = q.getColumn(5).getInt();
  r.info.schedule = q.getColumn(6).getString();
  r.info.shard = q.getColumn(7).getString();
  r.info.python_version = q.getColumn(8).getString();
  r.info.host = q.getColumn(9).getString();
  r.info.git_commit = q.getColumn(10).getString();
  r.info.predicted_makespan_s = q.getColumn(11).getDouble();
  r.info.lower_bound_s = column_seconds(q.getColumn(12)).value_or(0);
  if (r.ended_unix) {
    RunEnd e;
    e.actual_makespan_s = column_seconds(q.getColumn(13)).value_or(0);
    e.exit_status = q.getColumn(14).getInt();
    e.passed = q.getColumn(15).getInt();
    e.failed = q.getColumn(16).getInt();
    e.errors = q.getColumn(17).getInt();
    e.skipped = q.getColumn(18).getInt();
    r.end = e;
  }
  const SQLite::Column work = q.getColumn(19);
  r.work_s = work.isNull() ? 0 : std::max(0.0, work.getDouble());
  if (r.end && r.end->actual_makespan_s > 0 && r.info.workers > 0) {
    r.balance = r.work_s / (r.info.workers * r.end->actual_makespan_s);
  }
  return r;
}

}  // namespace

std::unordered_map<std::string, double> HistoryStore::last_durations() const {
  std::unordered_map<std::string, double> out;
  try {
    load_snapshot(*m_impl);
    for (const auto& [id, ns] : m_impl->nodes) {
      if (ns.has_stats && ns.stats.last_s) out.emplace(id, *ns.stats.last_s);
    }
  } catch (const std::exception& e) {
    m_impl->warnings.push_back(std::string("reading durations failed: ") + e.what());
  }
  return out;
}

std::vector<std::string> HistoryStore::last_failed() const {
  std::vector<std::string> out;
  try {
    load_snapshot(*m_impl);
    for (const auto& [id, ns] : m_impl->nodes) {
      if (ns.has_stats && base::is_failure(static_cast<base::Outcome>(ns.stats.last_outcome))) out.push_back(id);
    }
    std::sort(out.begin(), out.end());
  } catch (const std::exception& e) {
    m_impl->warnings.push_back(std::string("reading last failures failed: ") + e.what());
  }
  return out;
}

std::int64_t HistoryStore::run_count() const {
  try {
    Using q(m_impl->st.run_count);
    return q->executeStep() ? q->getColumn(0).getInt64() : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

namespace {

/// Every timed test's estimate, in node order, scanned from the tables.
void scan_test_seconds(StoreImpl& impl, History& h) {
  // Start-up: two columns per test, not the recording cache (decoded blobs, files),
  // which the first record_results loads when the run has results to write.
  Using n(impl.st.count_nodes);
  if (n->executeStep())
    h.test_seconds.reserve(static_cast<std::size_t>(std::max<std::int64_t>(0, n->getColumn(0).getInt64())));
  // Both tables in rowid order, joined here: two sequential scans, no b-tree seek per test.
  // Raw statements: SQLite::Column copies a shared_ptr per column read, a fifth of this
  // loop's CPU over 100,000 tests (bench/history_queries_bench BM_StartUp).
  sqlite3* const db = impl.db->getHandle();
  const RawStatement ids = prepare_raw(db, "SELECT id, node_id FROM nodes ORDER BY id");
  const RawStatement q = prepare_raw(db, "SELECT node, estimate_s FROM test_stats WHERE timed > 0 ORDER BY node");
  int more = sqlite3_step(ids.get());
  int rc = SQLITE_ROW;
  while (more == SQLITE_ROW && (rc = sqlite3_step(q.get())) == SQLITE_ROW) {
    const std::int64_t node = sqlite3_column_int64(q.get(), 0);
    while (more == SQLITE_ROW && sqlite3_column_int64(ids.get(), 0) < node) more = sqlite3_step(ids.get());
    if (more != SQLITE_ROW || sqlite3_column_int64(ids.get(), 0) != node) continue;
    if (sqlite3_column_type(q.get(), 1) == SQLITE_NULL) continue;
    const auto e = clean_estimate(sqlite3_column_double(q.get(), 1));
    if (!e) continue;
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(ids.get(), 1));
    h.test_seconds.emplace_back(
        std::piecewise_construct,
        std::forward_as_tuple(text, static_cast<std::size_t>(sqlite3_column_bytes(ids.get(), 1))),
        std::forward_as_tuple(*e));
  }
  if ((more != SQLITE_ROW && more != SQLITE_DONE) || (rc != SQLITE_ROW && rc != SQLITE_DONE))
    throw std::runtime_error(sqlite3_errmsg(db));
}

/// The same from the recording cache, in node order (as the scan gives it), as views into it.
std::vector<std::pair<std::string_view, double>> cached_test_views(const StoreImpl& impl) {
  std::vector<std::pair<std::int64_t, const std::pair<const std::string, NodeState>*>> by_id;
  by_id.reserve(impl.nodes.size());
  for (const auto& entry : impl.nodes)
    if (entry.second.has_stats && entry.second.stats.timed > 0) by_id.emplace_back(entry.second.id, &entry);
  std::sort(by_id.begin(), by_id.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<std::string_view, double>> out;
  out.reserve(by_id.size());
  for (const auto& [id, entry] : by_id)
    if (auto e = clean_estimate(entry->second.stats.estimate_s)) out.emplace_back(entry->first, *e);
  return out;
}

void cached_test_seconds(const StoreImpl& impl, History& h) {
  const auto views = cached_test_views(impl);
  h.test_seconds.reserve(views.size());
  for (const auto& [id, s] : views) h.test_seconds.emplace_back(std::string(id), s);
}

void read_module_overheads(StoreImpl& impl, History& h) {
  Using q(impl.st.module_overheads);
  while (q->executeStep()) {
    if (auto s = column_seconds(q->getColumn(1))) h.module_overhead_seconds.emplace(q->getColumn(0).getString(), *s);
  }
}

/// What the tables say, ignoring the snapshot.
History tables_history(StoreImpl& impl) {
  History h;
  if (impl.nodes_loaded) {
    cached_test_seconds(impl, h);
  } else {
    scan_test_seconds(impl, h);
  }
  read_module_overheads(impl, h);
  return h;
}

std::optional<History> snapshot_history(StoreImpl& impl) {
  Using q(impl.st.get_snapshot);
  if (!q->executeStep()) return std::nullopt;
  const SQLite::Column blob = q->getColumn(0);
  return decode_history(
      std::string_view(static_cast<const char*>(blob.getBlob()), static_cast<std::size_t>(blob.getBytes())));
}

}  // namespace

History StoreImpl::read_history() {
  // Mid-run (the recording cache is loaded) the cache is as cheap and surely current.
  if (!nodes_loaded)
    if (auto h = snapshot_history(*this)) return std::move(*h);
  return tables_history(*this);
}

void StoreImpl::drop_history_snapshot() {
  Using q(st.drop_snapshot);
  q->exec();
}

void StoreImpl::write_history_snapshot() {
  SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
  refresh_if_stale();
  {
    Using have(st.get_snapshot);
    if (have->executeStep()) return;  // nothing changed it since it was written
  }
  // At a run's end the recording cache holds every id: encoded from it, not copied first.
  std::string blob;
  if (nodes_loaded) {
    History modules;
    read_module_overheads(*this, modules);
    blob = encode_history(cached_test_views(*this), modules.module_overhead_seconds);
  } else {
    blob = encode_history(tables_history(*this));
  }
  Using put(st.put_snapshot);
  put->bindNoCopy(1, blob.data(), static_cast<int>(blob.size()));
  put->exec();
  tx.commit();
}

History HistoryStore::history() const {
  History h;
  try {
    SQLite::Transaction tx(*m_impl->db, SQLite::TransactionBehavior::DEFERRED);
    m_impl->refresh_if_stale();
    h = m_impl->read_history();
    tx.commit();
  } catch (const std::exception& e) {
    // Without history the planner falls back to its priors: slower, never wrong.
    m_impl->warnings.push_back(std::string("reading history failed: ") + e.what());
    h = History{};
  }
  return h;
}

base::Status HistoryStore::record_modules(std::int64_t run_id, std::span<const ModuleCost> modules) {
  Impl& impl = *m_impl;
  try {
    SQLite::Transaction tx(*impl.db, SQLite::TransactionBehavior::IMMEDIATE);
    Using run(impl.st.get_run);
    run->bind(1, run_id);
    if (!run->executeStep()) throw std::runtime_error("no run with id " + std::to_string(run_id));
    const std::string uuid = run->getColumn(0).getString();
    const double started = run->getColumn(1).getDouble();
    impl.drop_history_snapshot();
    for (const ModuleCost& m : modules) {
      Using ins(impl.st.insert_module_cost);
      ins->bind(1, run_id);
      ins->bind(2, m.file);
      ins->bind(3, m.slice);
      ins->bind(4, m.worker);
      bind_seconds(*ins, 5, m.import_s);
      bind_seconds(*ins, 6, m.fixture_s);
      ins->exec();
      const auto imp = clean_seconds(m.import_s), fix = clean_seconds(m.fixture_s);
      if (!imp || !fix) continue;
      std::int64_t n = 0;
      Recent recent;
      {
        Using get(impl.st.get_module_stats);
        get->bind(1, m.file);
        if (get->executeStep()) {
          n = get->getColumn(0).getInt64();
          const SQLite::Column blob = get->getColumn(1);
          recent = decode_recent(blob.getBlob(), static_cast<std::size_t>(blob.getBytes()));
        }
      }
      recent.push(*imp + *fix);
      Using up(impl.st.upsert_module_stats);
      up->bind(1, m.file);
      up->bind(2, n + 1);
      up->bind(3, median(recent.v.data(), recent.size));
      up->bind(4, *imp + *fix);
      up->bind(5, uuid);
      up->bind(6, started);
      const std::string blob = encode_recent(recent);
      up->bind(7, blob.data(), static_cast<int>(blob.size()));
      up->exec();
    }
    tx.commit();
    return base::ok_status();
  } catch (const std::exception& e) {
    return db_error("recording module costs", e);
  }
}

base::Status HistoryStore::record_batches(std::int64_t run_id, std::span<const BatchSpan> batches) {
  try {
    SQLite::Transaction tx(*m_impl->db, SQLite::TransactionBehavior::IMMEDIATE);
    {
      // An unknown run is an error before anything is written (foreign keys are not enforced).
      Using run(m_impl->st.get_run);
      run->bind(1, run_id);
      if (!run->executeStep()) throw std::runtime_error("no run with id " + std::to_string(run_id));
    }
    for (const BatchSpan& b : batches) {
      const auto start = clean_seconds(b.start_s), end = clean_seconds(b.end_s);
      if (!start || !end || *end < *start) continue;  // a timeline bar needs both ends
      Using ins(m_impl->st.insert_batch);
      ins->bind(1, run_id);
      ins->bind(2, b.worker);
      ins->bind(3, *start);
      ins->bind(4, *end);
      ins->bind(5, b.module);
      ins->bind(6, b.tests);
      ins->exec();
    }
    tx.commit();
    return base::ok_status();
  } catch (const std::exception& e) {
    return db_error("recording batches", e);
  }
}

base::Result<std::vector<TestStat>> HistoryStore::slowest_tests(std::size_t top) const {
  try {
    return collect(m_impl->st.slowest_tests, top);
  } catch (const std::exception& e) {
    return db_error("reading test statistics", e);
  }
}

base::Result<std::vector<TestStat>> HistoryStore::flaky_tests(std::size_t top) const {
  try {
    return collect(m_impl->st.flaky_tests, top);
  } catch (const std::exception& e) {
    return db_error("reading test statistics", e);
  }
}

base::Result<std::vector<ModuleStat>> HistoryStore::slowest_modules(std::size_t top) const {
  try {
    std::unordered_map<std::string, ModuleStat> by_file;
    std::unordered_map<std::string, std::pair<double, double>> trend_sums;  // (sum w x trend, sum w)
    {
      // Rows arrive module by module (nodes are numbered in execution order): the map is
      // looked up only when the file changes.
      Using q(m_impl->st.module_sums);
      ModuleStat* m = nullptr;
      std::pair<double, double>* trend = nullptr;
      while (q->executeStep()) {
        const char* file = q->getColumn(0).getText();
        if (!m || m->file != file) {
          m = &by_file[file];
          m->file = file;
          trend = &trend_sums[file];
        }
        const double estimate = column_seconds(q->getColumn(1)).value_or(0);
        const double spread = column_seconds(q->getColumn(2)).value_or(0);
        const SQLite::Column blob = q->getColumn(4);
        ++m->tests;
        m->estimate_s += estimate;
        m->spread_s += spread * spread;
        m->last_s += column_seconds(q->getColumn(3)).value_or(0);
        trend->first +=
            estimate * trend_ratio(decode_recent(blob.getBlob(), static_cast<std::size_t>(blob.getBytes())));
        trend->second += estimate;
      }
    }
    Using q(m_impl->st.module_overheads);
    while (q->executeStep()) {
      auto it = by_file.find(q->getColumn(0).getString());
      if (it != by_file.end()) it->second.overhead_s = column_seconds(q->getColumn(1)).value_or(0);
    }
    std::vector<ModuleStat> out;
    out.reserve(by_file.size());
    for (auto& [file, m] : by_file) {
      const auto [weighted, weight] = trend_sums[file];
      m.trend = weight > 0 ? weighted / weight : 1;
      m.spread_s = std::sqrt(m.spread_s);
      m.estimate_s += m.overhead_s;
      m.last_s += m.overhead_s;
      out.push_back(std::move(m));
    }
    std::sort(out.begin(), out.end(), [](const ModuleStat& a, const ModuleStat& b) {
      return a.estimate_s != b.estimate_s ? a.estimate_s > b.estimate_s : a.file < b.file;
    });
    if (out.size() > top) out.resize(top);
    return out;
  } catch (const std::exception& e) {
    return db_error("reading module statistics", e);
  }
}

base::Result<std::vector<RunSummary>> HistoryStore::recent_runs(std::size_t count) const {
  try {
    Using q(m_impl->st.recent_runs);
    q->bind(1, static_cast<std::int64_t>(std::min<std::size_t>(count, INT64_MAX)));
    std::vector<RunSummary> out;
    while (q->executeStep()) out.push_back(to_run_summary(*q));
    return out;
  } catch (const std::exception& e) {
    return db_error("reading runs", e);
  }
}

base::Result<std::vector<BatchSpan>> HistoryStore::batches(std::int64_t run_id) const {
  try {
    Using q(m_impl->st.batches);
    q->bind(1, run_id);
    std::vector<BatchSpan> out;
    while (q->executeStep()) {
      BatchSpan& b = out.emplace_back();
      b.worker = q->getColumn(0).getInt();
      b.module = q->getColumn(1).getString();
      b.start_s = q->getColumn(2).getDouble();
      b.end_s = q->getColumn(3).getDouble();
      b.tests = q->getColumn(4).getInt();
    }
    return out;
  } catch (const std::exception& e) {
    return db_error("reading batches", e);
  }
}

}  // namespace fastest::store
