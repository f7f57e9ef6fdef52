#include "store/history_store.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <tuple>
#include <unordered_set>

#include <SQLiteCpp/Transaction.h>

#include "item_blob.h"
#include "open_db.h"
#include "schema.h"
#include "store_impl.h"

namespace fastest::store {
namespace {

constexpr std::size_t k_max_message_bytes = 4096;

/// At most k_max_message_bytes, cut on a UTF-8 character boundary.
std::string_view clip_message(std::string_view m) {
  if (m.size() <= k_max_message_bytes) return m;
  std::size_t n = k_max_message_bytes;
  while (n > 0 && (static_cast<unsigned char>(m[n]) & 0xC0) == 0x80) --n;
  return m.substr(0, n);
}

std::string random_uuid() {
  std::random_device rd;
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 4; ++i) {
    std::uint32_t word = rd();
    for (int j = 0; j < 8; ++j, word >>= 4) out += k_hex[word & 0xF];
  }
  return out;
}

double unix_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

/// Sum of the phases, or nullopt when any phase was rejected.
std::optional<double> total_seconds(const base::TestResult& r) {
  auto s = clean_seconds(r.setup_s), c = clean_seconds(r.call_s), t = clean_seconds(r.teardown_s);
  if (!s || !c || !t) return std::nullopt;
  return clean_seconds(*s + *c + *t);
}

/// Binds one result to parameters at + 1 ... at + 9 of an insert into results.
void bind_result(SQLite::Statement& ins, int at, std::int64_t run_id, std::int64_t node, const base::TestResult& r) {
  ins.bind(at + 1, run_id);
  ins.bind(at + 2, node);
  ins.bind(at + 3, static_cast<int>(r.outcome));
  bind_micros(ins, at + 4, r.setup_s);
  bind_micros(ins, at + 5, r.call_s);
  bind_micros(ins, at + 6, r.teardown_s);
  ins.bind(at + 7, r.worker);
  bind_micros(ins, at + 8, r.start_offset_s, 1e3);
  if (r.message.size() <= k_max_message_bytes) {
    ins.bindNoCopy(at + 9, r.message);
  } else {
    ins.bind(at + 9, std::string(clip_message(r.message)));
  }
}

/// "(?, ?, ...), (...)": `rows` groups of `columns` numbered parameters.
std::string values_list(int rows, int columns) {
  std::string out;
  for (int r = 0; r < rows; ++r) {
    out += r == 0 ? "(" : ", (";
    for (int c = 0; c < columns; ++c) out += c == 0 ? "?" : ", ?";
    out += ')';
  }
  return out;
}

constexpr const char* k_insert_results =
    "INSERT INTO results (run, node, outcome, setup_us, call_us, teardown_us, worker, "
    "start_ms, message) VALUES ";
constexpr const char* k_upsert_stats =
    "INSERT INTO test_stats (node, n, timed, estimate_s, spread_s, last_s, "
    "last_outcome, last_verdict, failures, flips, last_run, recent) VALUES ";
constexpr const char* k_upsert_stats_tail =
    " ON CONFLICT (node) DO UPDATE SET n = excluded.n, timed = excluded.timed, estimate_s = excluded.estimate_s, "
    "spread_s = excluded.spread_s, last_s = excluded.last_s, last_outcome = excluded.last_outcome, "
    "last_verdict = excluded.last_verdict, failures = excluded.failures, flips = excluded.flips, "
    "last_run = excluded.last_run, recent = excluded.recent";

/// Appends one sample per row to series.samples, keeping the last ?cap bytes (the last
/// parameter: the retention's runs x k_sample_bytes). `||` makes text of two blobs; the CAST
/// makes it a blob again, byte for byte.
std::string append_samples_sql(int rows) {
  const std::string cap = "?" + std::to_string(rows * 2 + 1);
  return "INSERT INTO series (node, samples) VALUES " + values_list(rows, 2) +
         " ON CONFLICT (node) DO UPDATE SET samples = CAST(CASE WHEN length(series.samples) >= " + cap +
         " THEN substr(series.samples, length(series.samples) - " + cap + " + " + std::to_string(k_sample_bytes + 1) +
         ") ELSE series.samples END || excluded.samples AS BLOB)";
}

constexpr const char* k_file_columns =
    "path, size, mtime_ns, ctime_ns, inode, checked_ns, content_hash, parse_key, error_line, error_message, facts, "
    "items";

/// One files row (k_file_columns) as a CachedFile; nullopt when its items blob is unreadable.
std::optional<CachedFile> read_file_row(SQLite::Statement& f, bool encoded) {
  CachedFile c;
  c.rel_path = f.getColumn(0).getString();
  c.size = f.getColumn(1).getInt64();
  c.mtime_ns = f.getColumn(2).getInt64();
  c.ctime_ns = f.getColumn(3).getInt64();
  c.inode = static_cast<std::uint64_t>(f.getColumn(4).getInt64());
  c.checked_ns = f.getColumn(5).getInt64();
  c.content_hash = static_cast<std::uint64_t>(f.getColumn(6).getInt64());
  c.parse_key = static_cast<std::uint64_t>(f.getColumn(7).getInt64());
  if (!f.getColumn(8).isNull())
    c.error = base::CollectionError{c.rel_path, f.getColumn(8).getInt(), f.getColumn(9).getString()};
  if (!f.getColumn(10).isNull()) c.facts = f.getColumn(10).getString();
  const SQLite::Column column = f.getColumn(11);
  const std::string_view blob(static_cast<const char*>(column.getBlob()), static_cast<std::size_t>(column.getBytes()));
  if (encoded) {
    if (!valid_items(blob)) return std::nullopt;
    c.items_blob = blob;
    return c;
  }
  auto items = decode_items(blob, c.rel_path);
  if (!items) return std::nullopt;
  c.items = std::move(*items);
  return c;
}

}  // namespace

Statements::Statements(SQLite::Database& db)
    : get_file(db, std::string("SELECT ") + k_file_columns + " FROM files WHERE path = ?"),
      upsert_file(db,
                  // An upsert updates a known file's row in place: REPLACE deleted it and inserted a
                  // new one (index entries out and in, a new rowid), 16,000 instructions a row when
                  // a pass writes back 10,000 files it re-checked (a fresh checkout, a CI cache).
                  "INSERT INTO files (path, size, mtime_ns, ctime_ns, inode, checked_ns, content_hash, "
                  "parse_key, error_line, error_message, facts, items) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
                  "ctime_ns = excluded.ctime_ns, inode = excluded.inode, checked_ns = excluded.checked_ns, "
                  "content_hash = excluded.content_hash, parse_key = excluded.parse_key, "
                  "error_line = excluded.error_line, error_message = excluded.error_message, "
                  "facts = excluded.facts, items = excluded.items"),
      insert_run(
          db,
          "INSERT INTO runs (uuid, started_unix, argv, workers, schedule, shard, python_version, host, "
          "git_commit, predicted_makespan_s, lower_bound_s, cold_start) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      get_run(db, "SELECT uuid, started_unix FROM runs WHERE id = ?"),
      finish_run(db,
                 "UPDATE runs SET ended_unix = ?, actual_makespan_s = ?, exit_status = ?, passed = ?, "
                 "failed = ?, errors = ?, skipped = ?, python_version = coalesce(nullif(?, ''), python_version) "
                 "WHERE id = ?"),
      run_work(db,
               "UPDATE runs SET work_s = (SELECT total(coalesce(setup_us, 0) + coalesce(call_us, 0) + "
               "coalesce(teardown_us, 0)) / 1e6 FROM results WHERE run = ?1) WHERE id = ?1"),
      run_count(db, "SELECT count(*) FROM runs WHERE ended_unix IS NOT NULL"),
      insert_node(db, "INSERT INTO nodes (id, node_id, file) VALUES " + values_list(1, 3)),
      insert_nodes(db, "INSERT INTO nodes (id, node_id, file) VALUES " + values_list(k_rows_per_insert, 3)),
      max_node(db, "SELECT coalesce(max(id), 0) FROM nodes"),
      insert_result(db, std::string(k_insert_results) + values_list(1, 9)),
      insert_results(db, std::string(k_insert_results) + values_list(k_rows_per_insert, 9)),
      upsert_stat(db, std::string(k_upsert_stats) + values_list(1, 12) + k_upsert_stats_tail),
      upsert_stats(db, std::string(k_upsert_stats) + values_list(k_rows_per_insert, 12) + k_upsert_stats_tail),
      results_of_run(db, "SELECT node FROM results WHERE run = ?"),
      data_version(db, "PRAGMA data_version"),
      count_nodes(db, "SELECT max(id) FROM nodes"),  // an upper bound of the count, from the b-tree end
      get_module_stats(db, "SELECT n, recent FROM module_stats WHERE file = ?"),
      upsert_module_stats(db,
                          "INSERT OR REPLACE INTO module_stats (file, n, estimate_s, last_s, last_run_uuid, "
                          "last_started_unix, recent) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      insert_module_cost(db,
                         "INSERT OR REPLACE INTO module_costs (run, file, slice, worker, import_s, fixture_s) "
                         "VALUES (?, ?, ?, ?, ?, ?)"),
      insert_batch(db,
                   "INSERT OR REPLACE INTO batches (run, worker, start_s, end_s, module, tests) "
                   "VALUES (?, ?, ?, ?, ?, ?)"),
      module_overheads(db, "SELECT file, estimate_s FROM module_stats"),
      slowest_tests(db,
                    "SELECT n.node_id, n.file, s.node IS NOT NULL, s.n, s.timed, s.estimate_s, s.spread_s, "
                    "s.last_s, s.last_outcome, s.last_verdict, s.failures, s.flips, s.last_run, s.recent "
                    "FROM test_stats s JOIN nodes n ON n.id = s.node "
                    "ORDER BY s.estimate_s DESC, n.node_id LIMIT ?"),
      flaky_tests(db,
                  "SELECT n.node_id, n.file, s.node IS NOT NULL, s.n, s.timed, s.estimate_s, s.spread_s, "
                  "s.last_s, s.last_outcome, s.last_verdict, s.failures, s.flips, s.last_run, s.recent "
                  "FROM test_stats s JOIN nodes n ON n.id = s.node "
                  "WHERE s.flips > 0 ORDER BY s.flips DESC, s.failures DESC, n.node_id LIMIT ?"),
      module_sums(db,
                  "SELECT n.file, s.estimate_s, s.spread_s, s.last_s, s.recent FROM test_stats s "
                  "JOIN nodes n ON n.id = s.node"),
      recent_runs(db,
                  "SELECT id, uuid, started_unix, ended_unix, argv, workers, schedule, shard, python_version, "
                  "host, git_commit, predicted_makespan_s, lower_bound_s, actual_makespan_s, exit_status, "
                  "passed, failed, errors, skipped, work_s FROM runs ORDER BY started_unix DESC, uuid DESC "
                  "LIMIT ?"),
      batches(db,
              "SELECT worker, module, start_s, end_s, tests FROM batches WHERE run = ? "
              "ORDER BY worker, start_s"),
      insert_attempt(db,
                     "INSERT OR IGNORE INTO attempts (run, node, attempt, outcome, setup_s, call_s, teardown_s, "
                     "worker, start_offset_s, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      insert_repeat(db,
                    "INSERT INTO repeats (run, node, seq, outcome, setup_us, call_us, teardown_us, worker, "
                    "start_ms, message) VALUES (?1, ?2, 2 + (SELECT count(*) FROM repeats WHERE run = ?1 AND "
                    "node = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
      append_sample(db, append_samples_sql(1)),
      append_samples(db, append_samples_sql(k_rows_per_insert)),
      get_snapshot(db, "SELECT data FROM history_snapshot WHERE id = 1"),
      put_snapshot(db, "INSERT OR REPLACE INTO history_snapshot (id, data) VALUES (1, ?)"),
      // A seek: no page is written when there is no row.
      drop_snapshot(db, "DELETE FROM history_snapshot WHERE id = 1") {}

TestStatsRow read_stats(SQLite::Statement& q, int first) {
  TestStatsRow s;
  s.n = q.getColumn(first).getInt64();
  s.timed = q.getColumn(first + 1).getInt64();
  s.estimate_s = column_seconds(q.getColumn(first + 2)).value_or(0);
  s.spread_s = column_seconds(q.getColumn(first + 3)).value_or(0);
  s.last_s = column_seconds(q.getColumn(first + 4));
  s.last_outcome = q.getColumn(first + 5).getInt();
  s.last_verdict = q.getColumn(first + 6).getInt();
  s.failures = q.getColumn(first + 7).getInt64();
  s.flips = q.getColumn(first + 8).getInt64();
  s.last_run = q.getColumn(first + 9).getInt64();
  const SQLite::Column blob = q.getColumn(first + 10);
  s.recent = decode_recent(blob.getBlob(), static_cast<std::size_t>(blob.getBytes()));
  return s;
}

TestStatsRow read_stats(sqlite3_stmt* q, int first) {
  auto seconds = [q](int column) -> std::optional<double> {
    if (sqlite3_column_type(q, column) == SQLITE_NULL) return std::nullopt;
    return clean_estimate(sqlite3_column_double(q, column));
  };
  TestStatsRow s;
  s.n = sqlite3_column_int64(q, first);
  s.timed = sqlite3_column_int64(q, first + 1);
  s.estimate_s = seconds(first + 2).value_or(0);
  s.spread_s = seconds(first + 3).value_or(0);
  s.last_s = seconds(first + 4);
  s.last_outcome = sqlite3_column_int(q, first + 5);
  s.last_verdict = sqlite3_column_int(q, first + 6);
  s.failures = sqlite3_column_int64(q, first + 7);
  s.flips = sqlite3_column_int64(q, first + 8);
  s.last_run = sqlite3_column_int64(q, first + 9);
  const void* blob = sqlite3_column_blob(q, first + 10);
  s.recent = decode_recent(blob, static_cast<std::size_t>(sqlite3_column_bytes(q, first + 10)));
  return s;
}

void write_stats(SQLite::Statement& up, std::int64_t node, const TestStatsRow& s, int at) {
  up.bind(at + 1, node);
  up.bind(at + 2, s.n);
  up.bind(at + 3, s.timed);
  up.bind(at + 4, s.estimate_s);
  up.bind(at + 5, s.spread_s);
  if (s.last_s) {
    up.bind(at + 6, *s.last_s);
  } else {
    up.bind(at + 6);
  }
  up.bind(at + 7, s.last_outcome);
  up.bind(at + 8, s.last_verdict);
  up.bind(at + 9, s.failures);
  up.bind(at + 10, s.flips);
  up.bind(at + 11, s.last_run);
  // `s` outlives the statement's step; the floats are the blob's bytes (little-endian).
  up.bindNoCopy(at + 12, s.recent.v.data(), static_cast<int>(s.recent.size * sizeof(float)));
}

void StoreImpl::refresh_if_stale() {
  Using q(st.data_version);
  const std::int64_t v = q->executeStep() ? q->getColumn(0).getInt64() : -1;
  if (v != seen_data_version) {
    invalidate();
    runs.clear();
    seen_data_version = v;
  }
}

void StoreImpl::load_nodes() {
  if (nodes_loaded) return;
  nodes.clear();
  {
    Using n(st.count_nodes);
    if (n->executeStep())
      nodes.reserve(static_cast<std::size_t>(std::max<std::int64_t>(0, n->getColumn(0).getInt64())));
  }
  // Both tables in rowid order, joined here (two sequential scans, no seek per test), on
  // raw statements (SQLite::Column copies a shared_ptr per read); a known node's file is
  // not read: add_nodes writes the file of new nodes only. 10,000 tests: 68 M -> 52 M
  // instructions before a run's first write.
  sqlite3* const handle = db->getHandle();
  const RawStatement ids = prepare_raw(handle, "SELECT id, node_id FROM nodes ORDER BY id");
  const RawStatement stats =
      prepare_raw(handle,
                  "SELECT node, n, timed, estimate_s, spread_s, last_s, last_outcome, "
                  "last_verdict, failures, flips, last_run, recent FROM test_stats ORDER BY node");
  int more = sqlite3_step(stats.get());
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(ids.get())) == SQLITE_ROW) {
    NodeState ns;
    ns.id = sqlite3_column_int64(ids.get(), 0);
    while (more == SQLITE_ROW && sqlite3_column_int64(stats.get(), 0) < ns.id) more = sqlite3_step(stats.get());
    if (more == SQLITE_ROW && sqlite3_column_int64(stats.get(), 0) == ns.id) {
      ns.has_stats = true;
      ns.stats = read_stats(stats.get(), 1);
    }
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(ids.get(), 1));
    nodes.emplace(std::piecewise_construct,
                  std::forward_as_tuple(text ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(ids.get(), 1))),
                  std::forward_as_tuple(std::move(ns)));
  }
  if (rc != SQLITE_DONE || (more != SQLITE_ROW && more != SQLITE_DONE)) {
    nodes.clear();
    throw std::runtime_error(std::string("loading the tests' statistics: ") + sqlite3_errmsg(handle));
  }
  nodes_loaded = true;
}

HistoryStore::HistoryStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
HistoryStore::~HistoryStore() {
  if (!m_impl) return;
  const std::filesystem::path file = std::move(m_impl->file);
  m_impl.reset();  // statements, then the connection: the last one checkpoints and drops the -wal
  if (!file.empty()) stamp_verified(file);
}

base::Result<std::unique_ptr<HistoryStore>> HistoryStore::open(const std::filesystem::path& path) {
  std::vector<std::string> warnings;
  try {
    auto db = open_file(path, warnings);
    if (!db) return db.error();
    auto impl = std::make_unique<Impl>(std::move(db.value()));
    impl->warnings = std::move(warnings);
    impl->file = path;
    return std::unique_ptr<HistoryStore>(new HistoryStore(std::move(impl)));
  } catch (const std::exception& e) {
    return db_error("cannot open history database " + path.string(), e);
  }
}

base::Result<std::unique_ptr<HistoryStore>> HistoryStore::open_memory() {
  try {
    auto db = open_memory_db();
    if (!db) return db.error();
    return std::unique_ptr<HistoryStore>(new HistoryStore(std::make_unique<Impl>(std::move(db.value()))));
  } catch (const std::exception& e) {
    return db_error("cannot open in-memory history database", e);
  }
}

const std::vector<std::string>& HistoryStore::warnings() const { return m_impl->warnings; }

int HistoryStore::schema_version() const {
  try {
    return user_version(*m_impl->db);
  } catch (const std::exception&) {
    return 0;
  }
}

void HistoryStore::set_retention(int keep_runs, double max_age_days) {
  m_impl->keep_runs = std::max(1, keep_runs);
  m_impl->max_age_days = std::isfinite(max_age_days) && max_age_days > 0 ? max_age_days : 0;
}

std::vector<CachedFile> HistoryStore::cached_files(bool encoded) const {
  std::vector<CachedFile> out;
  try {
    SQLite::Statement count(*m_impl->db, "SELECT count(*) FROM files");
    if (count.executeStep())
      out.reserve(static_cast<std::size_t>(std::max<std::int64_t>(count.getColumn(0).getInt64(), 0)));
    // In path order from the primary key's index: rows are in rowid order, which an edited
    // file's INSERT OR REPLACE moves to the end; sorting 10,000 paths here cost more (string
    // compares with long common prefixes) than the index's rowid lookups.
    SQLite::Statement f(*m_impl->db, std::string("SELECT ") + k_file_columns + " FROM files ORDER BY path");
    while (f.executeStep()) {
      // An unreadable row is left out: discovery parses that file again.
      if (auto c = read_file_row(f, encoded)) out.push_back(std::move(*c));
    }
  } catch (const std::exception& e) {
    m_impl->warnings.push_back(std::string("discovery cache read failed: ") + e.what());
    out.clear();
  }
  // Lookups are by binary search (a hash map's node and key copy per file cost more). The
  // index orders by SQLite's BINARY collation, memcmp: the order std::string's < gives.
  const auto by_path = [](const CachedFile& a, const CachedFile& b) { return a.rel_path < b.rel_path; };
  if (!std::is_sorted(out.begin(), out.end(), by_path)) std::sort(out.begin(), out.end(), by_path);
  return out;
}

std::optional<CachedFile> HistoryStore::cached_file(std::string_view rel_path, bool encoded) const {
  try {
    Using f(m_impl->st.get_file);
    f->bind(1, std::string(rel_path));
    if (!f->executeStep()) return std::nullopt;
    return read_file_row(*f, encoded);
  } catch (const std::exception& e) {
    // The cache is advisory: a read failure means "re-parse", not a failed run.
    m_impl->warnings.push_back(std::string("discovery cache read failed: ") + e.what());
    return std::nullopt;
  }
}

base::Status HistoryStore::save_files(std::span<const CachedFile> files) {
  try {
    SQLite::Transaction tx(*m_impl->db, SQLite::TransactionBehavior::IMMEDIATE);
    for (const CachedFile& file : files) {
      Using up(m_impl->st.upsert_file);
      up->bind(1, file.rel_path);
      up->bind(2, file.size);
      up->bind(3, file.mtime_ns);
      up->bind(4, file.ctime_ns);
      up->bind(5, static_cast<std::int64_t>(file.inode));
      up->bind(6, file.checked_ns);
      up->bind(7, static_cast<std::int64_t>(file.content_hash));
      up->bind(8, static_cast<std::int64_t>(file.parse_key));
      if (file.error) {
        up->bind(9, file.error->line);
        up->bind(10, file.error->message);
      } else {
        up->bind(9);
        up->bind(10);
      }
      if (file.facts) {
        up->bind(11, *file.facts);
      } else {
        up->bind(11);
      }
      const std::string blob = file.items_blob.empty() ? encode_items(file.items, file.rel_path) : file.items_blob;
      up->bind(12, blob.data(), static_cast<int>(blob.size()));
      up->exec();
    }
    tx.commit();
    return base::ok_status();
  } catch (const std::exception& e) {
    return db_error("saving the discovery cache", e);
  }
}

base::Result<std::int64_t> HistoryStore::begin_run(const RunInfo& info) {
  try {
    SQLite::Transaction tx(*m_impl->db, SQLite::TransactionBehavior::IMMEDIATE);
    const std::string uuid = random_uuid();
    const double now = unix_now();
    Using ins(m_impl->st.insert_run);
    ins->bind(1, uuid);
    ins->bind(2, now);
    ins->bind(3, info.argv);
    ins->bind(4, info.workers);
    ins->bind(5, info.schedule);
    ins->bind(6, info.shard);
    ins->bind(7, info.python_version);
    ins->bind(8, info.host);
    ins->bind(9, info.git_commit);
    ins->bind(10, clean_seconds(info.predicted_makespan_s).value_or(0.0));
    ins->bind(11, clean_seconds(info.lower_bound_s).value_or(0.0));
    ins->bind(12, info.cold_start ? 1 : 0);
    ins->exec();
    const std::int64_t id = m_impl->db->getLastInsertRowid();
    tx.commit();
    m_impl->runs[id] = {uuid, now};
    return id;
  } catch (const std::exception& e) {
    return db_error("recording the start of the run", e);
  }
}

namespace {

/// The run's (uuid, started) from the cache or the database; throws when there is no such run.
const std::pair<std::string, double>& run_identity(StoreImpl& impl, std::int64_t run_id) {
  if (auto it = impl.runs.find(run_id); it != impl.runs.end()) return it->second;
  Using q(impl.st.get_run);
  q->bind(1, run_id);
  if (!q->executeStep()) throw std::runtime_error("no run with id " + std::to_string(run_id));
  return impl.runs[run_id] = {q->getColumn(0).getString(), q->getColumn(1).getDouble()};
}

}  // namespace

namespace {

/// The nodes already recorded for `run_id` (loaded once per run, then kept up to date).
std::unordered_set<std::int64_t>& recorded_nodes(StoreImpl& impl, std::int64_t run_id) {
  auto [it, added] = impl.recorded.try_emplace(run_id);
  if (added) {
    Using q(impl.st.results_of_run);
    q->bind(1, run_id);
    while (q->executeStep()) it->second.insert(q->getColumn(0).getInt64());
  }
  return it->second;
}

/// Runs `single` for each item, or `multi` for each full group of k_rows_per_insert items;
/// bind(statement, parameter offset, item) binds one item's `columns` parameters.
template <class T, class Bind>
void insert_rows(SQLite::Statement& single, SQLite::Statement& multi, int columns, const std::vector<T>& items,
                 Bind bind) {
  std::size_t i = 0;
  for (; i + k_rows_per_insert <= items.size(); i += k_rows_per_insert) {
    Using st(multi);
    for (int r = 0; r < k_rows_per_insert; ++r) bind(*st, r * columns, items[i + r]);
    st->exec();
  }
  for (; i < items.size(); ++i) {
    Using st(single);
    bind(*st, 0, items[i]);
    st->exec();
  }
}

/// Inserts tests seen for the first time, 32 per statement. Ids follow the order results
/// arrive (execution order, module by module), so a later run's batch of results touches
/// neighbouring rows of results and test_stats: few pages written per commit.
void add_nodes(StoreImpl& impl, const std::vector<std::pair<const std::string, NodeState>*>& fresh) {
  if (fresh.empty()) return;
  std::int64_t next = 1;
  {
    Using q(impl.st.max_node);
    if (q->executeStep()) next = q->getColumn(0).getInt64() + 1;
  }
  for (auto* entry : fresh) entry->second.id = next++;
  insert_rows(impl.st.insert_node, impl.st.insert_nodes, 3, fresh,
              [](SQLite::Statement& st, int at, const std::pair<const std::string, NodeState>* entry) {
                st.bind(at + 1, entry->second.id);
                st.bindNoCopy(at + 2, entry->first);
                st.bindNoCopy(at + 3, entry->second.file);
              });
}

/// --reruns: failed attempts, one row each (rare: no multi-row statement); a repeated
/// (run, node, attempt) is ignored, as a repeated result is.
void insert_attempts(StoreImpl& impl, std::int64_t run_id,
                     const std::vector<std::pair<NodeState*, const base::TestResult*>>& tries) {
  for (const auto& [ns, r] : tries) {
    Using ins(impl.st.insert_attempt);
    ins->bind(1, run_id);
    ins->bind(2, ns->id);
    ins->bind(3, std::max(1, r->attempt));
    ins->bind(4, static_cast<int>(r->outcome));
    bind_seconds(*ins, 5, r->setup_s);
    bind_seconds(*ins, 6, r->call_s);
    bind_seconds(*ins, 7, r->teardown_s);
    ins->bind(8, r->worker);
    bind_seconds(*ins, 9, r->start_offset_s);
    ins->bind(10, std::string(clip_message(r->message)));
    ins->exec();
  }
}

/// A test's later results in the same run (duplicate arguments; schema 7), one row each
/// (rare: no multi-row statement), numbered from 2 in arrival order.
void insert_repeats(StoreImpl& impl, std::int64_t run_id,
                    const std::vector<std::pair<NodeState*, const base::TestResult*>>& again) {
  for (const auto& [ns, r] : again) {
    Using ins(impl.st.insert_repeat);
    bind_result(*ins, 0, run_id, ns->id, *r);
    ins->exec();
  }
}

/// One sample per timed result onto its test's series (schema 5), capped at the retention.
void append_series(StoreImpl& impl, std::int64_t run_id,
                   const std::vector<std::pair<NodeState*, const base::TestResult*>>& rows) {
  std::vector<std::pair<std::int64_t, std::string>> samples;
  samples.reserve(rows.size());
  for (const auto& [ns, r] : rows) {
    auto d = total_seconds(*r);
    if (!d) continue;
    const bool passed = r->outcome == base::Outcome::passed || r->outcome == base::Outcome::flaky;
    append_sample(samples.emplace_back(ns->id, std::string()).second, run_id, *d, passed);
  }
  const auto cap = static_cast<std::int64_t>(impl.keep_runs) * static_cast<std::int64_t>(k_sample_bytes);
  impl.st.append_sample.bind(3, cap);
  impl.st.append_samples.bind(k_rows_per_insert * 2 + 1, cap);
  insert_rows(impl.st.append_sample, impl.st.append_samples, 2, samples,
              [](SQLite::Statement& st, int at, const std::pair<std::int64_t, std::string>& s) {
                st.bind(at + 1, s.first);
                st.bindNoCopy(at + 2, s.second.data(), static_cast<int>(s.second.size()));
              });
}

}  // namespace

base::Status HistoryStore::record_results(std::int64_t run_id, std::span<const base::TestResult> results,
                                          std::span<const base::TestResult> attempts) {
  Impl& impl = *m_impl;
  try {
    SQLite::Transaction tx(*impl.db, SQLite::TransactionBehavior::IMMEDIATE);
    impl.refresh_if_stale();
    impl.load_nodes();
    (void)run_identity(impl, run_id);  // throws for an unknown run before anything is written
    if (!results.empty()) impl.drop_history_snapshot();
    auto& recorded = recorded_nodes(impl, run_id);
    // Map entries (their addresses stay valid) for every result; tests seen for the first
    // time get ids here, which is safe: this transaction holds the write lock.
    std::vector<std::pair<NodeState*, const base::TestResult*>> all, tries;
    std::vector<std::pair<const std::string, NodeState>*> fresh;
    all.reserve(results.size());
    auto node_of = [&](const base::TestResult& r) {
      auto [it, added] = impl.nodes.try_emplace(r.node_id);
      if (added) {
        it->second.file = r.file;
        fresh.push_back(&*it);
      }
      return &it->second;
    };
    for (const base::TestResult& r : attempts) tries.emplace_back(node_of(r), &r);
    for (const base::TestResult& r : results) all.emplace_back(node_of(r), &r);
    add_nodes(impl, fresh);
    insert_attempts(impl, run_id, tries);
    // (node, result); a later result of a test already recorded in this run goes to
    // repeats: the first one is the test's result, counted once.
    std::vector<std::pair<NodeState*, const base::TestResult*>> rows, again;
    rows.reserve(all.size());
    for (const auto& row : all) (recorded.insert(row.first->id).second ? rows : again).push_back(row);
    insert_repeats(impl, run_id, again);
    // In node order the (run, node) b-tree is appended to and the stats b-tree walked forwards.
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first->id < b.first->id; });
    insert_rows(impl.st.insert_result, impl.st.insert_results, 9, rows,
                [run_id](SQLite::Statement& st, int at, const auto& row) {
                  bind_result(st, at, run_id, row.first->id, *row.second);
                });
    std::vector<NodeState*> touched;
    touched.reserve(rows.size());
    for (const auto& [ns, r] : rows) {
      fold_result(ns->stats, static_cast<int>(r->outcome), total_seconds(*r), run_id);
      ns->has_stats = true;
      touched.push_back(ns);
    }
    insert_rows(impl.st.upsert_stat, impl.st.upsert_stats, 12, touched,
                [](SQLite::Statement& st, int at, const NodeState* ns) { write_stats(st, ns->id, ns->stats, at); });
    append_series(impl, run_id, rows);
    tx.commit();
    return base::ok_status();
  } catch (const std::exception& e) {
    // The in-memory statistics and recorded sets may hold what was just rolled back.
    impl.invalidate();
    return db_error("recording test results", e);
  }
}

base::Status HistoryStore::finish_run(std::int64_t run_id, const RunEnd& end, const std::string& python_version) {
  try {
    {
      SQLite::Transaction tx(*m_impl->db, SQLite::TransactionBehavior::IMMEDIATE);
      Using up(m_impl->st.finish_run);
      up->bind(1, unix_now());
      bind_seconds(*up, 2, end.actual_makespan_s);
      up->bind(3, end.exit_status);
      up->bind(4, end.passed);
      up->bind(5, end.failed);
      up->bind(6, end.errors);
      up->bind(7, end.skipped);
      up->bind(8, python_version);
      up->bind(9, run_id);
      if (up->exec() != 1) {
        return base::make_error(base::ErrorCode::database, "finish_run: no run with id " + std::to_string(run_id));
      }
      Using work(m_impl->st.run_work);
      work->bind(1, run_id);
      work->exec();
      tx.commit();
    }
    if (auto pruned = prune(m_impl->keep_runs, m_impl->max_age_days); !pruned) return pruned.error();
    try {
      // The next start-up reads one row instead of every test's statistics.
      m_impl->write_history_snapshot();
    } catch (const std::exception&) {
      // A cache: without it the next start-up scans the tables, as before schema 9.
    }
    return base::ok_status();
  } catch (const std::exception& e) {
    return db_error("recording the end of the run", e);
  }
}

}  // namespace fastest::store
