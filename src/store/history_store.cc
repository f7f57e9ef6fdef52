#include "store/history_store.h"

#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <random>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "open_db.h"
#include "schema.h"

namespace fastest::store {
namespace {

constexpr double k_week_s = 7 * 24 * 3600.0;
constexpr std::size_t k_max_message_bytes = 4096;

/// Every statement the store runs, prepared once per connection.
struct Statements {
  explicit Statements(SQLite::Database& db)
      : get_file(db, "SELECT size, mtime_ns, content_hash, error_line, error_message FROM files WHERE path = ?"),
        get_items(db, "SELECT node_id, cls, function, line, markers, parametrized FROM tests WHERE file = ? "
                      "ORDER BY ordinal"),
        upsert_file(db, "INSERT INTO files (path, size, mtime_ns, content_hash, error_line, error_message) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET size = excluded.size, "
                        "mtime_ns = excluded.mtime_ns, content_hash = excluded.content_hash, "
                        "error_line = excluded.error_line, error_message = excluded.error_message"),
        delete_items(db, "DELETE FROM tests WHERE file = ?"),
        insert_item(db, "INSERT OR REPLACE INTO tests (file, ordinal, node_id, cls, function, line, markers, "
                        "parametrized) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        insert_run(db, "INSERT INTO runs (uuid, started_unix, argv, workers, schedule, shard, python_version, host, "
                       "git_commit, predicted_makespan_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        insert_result(db, "INSERT OR REPLACE INTO results (run, node_id, file, outcome, setup_s, call_s, teardown_s, "
                          "worker, start_offset_s, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        finish_run(db, "UPDATE runs SET ended_unix = ?, actual_makespan_s = ?, exit_status = ?, passed = ?, "
                       "failed = ?, errors = ?, skipped = ? WHERE id = ?"),
        run_exists(db, "SELECT 1 FROM runs WHERE id = ?"),
        last_durations(db, "SELECT node_id, setup_s + call_s + teardown_s FROM results r WHERE run = "
                           "(SELECT max(run) FROM results q WHERE q.node_id = r.node_id AND q.setup_s IS NOT NULL "
                           "AND q.call_s IS NOT NULL AND q.teardown_s IS NOT NULL)"),
        last_failed(db, "SELECT node_id FROM results r WHERE run = (SELECT max(run) FROM results q "
                        "WHERE q.node_id = r.node_id) AND outcome IN (2, 3, 7, 8) ORDER BY node_id"),
        run_count(db, "SELECT count(*) FROM runs WHERE ended_unix IS NOT NULL") {}

  SQLite::Statement get_file, get_items, upsert_file, delete_items, insert_item, insert_run, insert_result,
      finish_run, run_exists, last_durations, last_failed, run_count;
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
std::optional<double> clean_seconds(double s) {
  if (!std::isfinite(s) || s > k_week_s || s < -1e-3) return std::nullopt;
  return s < 0 ? 0.0 : s;
}

void bind_seconds(SQLite::Statement& st, int index, double s) {
  if (auto v = clean_seconds(s)) {
    st.bind(index, *v);
  } else {
    st.bind(index);
  }
}

/// At most k_max_message_bytes, cut on a UTF-8 character boundary.
std::string_view clip_message(std::string_view m) {
  if (m.size() <= k_max_message_bytes) return m;
  std::size_t n = k_max_message_bytes;
  while (n > 0 && (static_cast<unsigned char>(m[n]) & 0xC0) == 0x80) --n;
  return m.substr(0, n);
}

std::string join_markers(const std::vector<std::string>& markers) {
  std::string out;
  for (const std::string& m : markers) {
    if (!out.empty()) out += '\n';
    out += m;
  }
  return out;
}

std::vector<std::string> split_markers(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
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

base::Error db_error(const char* what, const std::exception& e) {
  return base::make_error(base::ErrorCode::database, std::string(what) + ": " + e.what());
}

}  // namespace

struct HistoryStore::Impl {
  std::unique_ptr<SQLite::Database> db;
  Statements st;
  std::vector<std::string> warnings;

  explicit Impl(std::unique_ptr<SQLite::Database> d) : db(std::move(d)), st(*db) {}
};

HistoryStore::HistoryStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
HistoryStore::~HistoryStore() = default;

base::Result<std::unique_ptr<HistoryStore>> HistoryStore::open(const std::filesystem::path& path) {
  std::vector<std::string> warnings;
  try {
    auto db = open_file(path, warnings);
    if (!db) return db.error();
    auto impl = std::make_unique<Impl>(std::move(db.value()));
    impl->warnings = std::move(warnings);
    return std::unique_ptr<HistoryStore>(new HistoryStore(std::move(impl)));
  } catch (const std::exception& e) {
    return db_error(("cannot open history database " + path.string()).c_str(), e);
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

std::optional<CachedFile> HistoryStore::cached_file(std::string_view rel_path) const {
  try {
    const std::string path(rel_path);
    Using f(m_impl->st.get_file);
    f->bind(1, path);
    if (!f->executeStep()) return std::nullopt;
    CachedFile out;
    out.rel_path = path;
    out.size = f->getColumn(0).getInt64();
    out.mtime_ns = f->getColumn(1).getInt64();
    out.content_hash = static_cast<std::uint64_t>(f->getColumn(2).getInt64());
    if (!f->getColumn(3).isNull()) {
      out.error = base::CollectionError{path, f->getColumn(3).getInt(), f->getColumn(4).getString()};
    }
    Using items(m_impl->st.get_items);
    items->bind(1, path);
    while (items->executeStep()) {
      base::TestItem& it = out.items.emplace_back();
      it.node_id = items->getColumn(0).getString();
      it.file = path;
      it.cls = items->getColumn(1).getString();
      it.function = items->getColumn(2).getString();
      it.line = items->getColumn(3).getInt();
      it.markers = split_markers(items->getColumn(4).getString());
      it.parametrized = items->getColumn(5).getInt() != 0;
    }
    return out;
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
      {
        Using up(m_impl->st.upsert_file);
        up->bind(1, file.rel_path);
        up->bind(2, file.size);
        up->bind(3, file.mtime_ns);
        up->bind(4, static_cast<std::int64_t>(file.content_hash));
        if (file.error) {
          up->bind(5, file.error->line);
          up->bind(6, file.error->message);
        } else {
          up->bind(5);
          up->bind(6);
        }
        up->exec();
      }
      {
        Using del(m_impl->st.delete_items);
        del->bind(1, file.rel_path);
        del->exec();
      }
      for (std::size_t i = 0; i < file.items.size(); ++i) {
        const base::TestItem& it = file.items[i];
        Using ins(m_impl->st.insert_item);
        ins->bind(1, file.rel_path);
        ins->bind(2, static_cast<std::int64_t>(i));
        ins->bind(3, it.node_id);
        ins->bind(4, it.cls);
        ins->bind(5, it.function);
        ins->bind(6, it.line);
        ins->bind(7, join_markers(it.markers));
        ins->bind(8, it.parametrized ? 1 : 0);
        ins->exec();
      }
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
    Using ins(m_impl->st.insert_run);
    ins->bind(1, random_uuid());
    ins->bind(2, unix_now());
    ins->bind(3, info.argv);
    ins->bind(4, info.workers);
    ins->bind(5, info.schedule);
    ins->bind(6, info.shard);
    ins->bind(7, info.python_version);
    ins->bind(8, info.host);
    ins->bind(9, info.git_commit);
    ins->bind(10, clean_seconds(info.predicted_makespan_s).value_or(0.0));
    ins->exec();
    const std::int64_t id = m_impl->db->getLastInsertRowid();
    tx.commit();
    return id;
  } catch (const std::exception& e) {
    return db_error("recording the start of the run", e);
  }
}

base::Status HistoryStore::record_results(std::int64_t run_id, std::span<const base::TestResult> results) {
  try {
    SQLite::Transaction tx(*m_impl->db, SQLite::TransactionBehavior::IMMEDIATE);
    for (const base::TestResult& r : results) {
      Using ins(m_impl->st.insert_result);
      ins->bind(1, run_id);
      ins->bindNoCopy(2, r.node_id);
      ins->bindNoCopy(3, r.file);
      ins->bind(4, static_cast<int>(r.outcome));
      bind_seconds(*ins, 5, r.setup_s);
      bind_seconds(*ins, 6, r.call_s);
      bind_seconds(*ins, 7, r.teardown_s);
      ins->bind(8, r.worker);
      bind_seconds(*ins, 9, r.start_offset_s);
      if (r.message.size() <= k_max_message_bytes) {
        ins->bindNoCopy(10, r.message);
      } else {
        ins->bind(10, std::string(clip_message(r.message)));
      }
      ins->exec();
    }
    tx.commit();
    return base::ok_status();
  } catch (const std::exception& e) {
    return db_error("recording test results", e);
  }
}

base::Status HistoryStore::finish_run(std::int64_t run_id, const RunEnd& end) {
  try {
    SQLite::Transaction tx(*m_impl->db, SQLite::TransactionBehavior::IMMEDIATE);
    Using up(m_impl->st.finish_run);
    up->bind(1, unix_now());
    bind_seconds(*up, 2, end.actual_makespan_s);
    up->bind(3, end.exit_status);
    up->bind(4, end.passed);
    up->bind(5, end.failed);
    up->bind(6, end.errors);
    up->bind(7, end.skipped);
    up->bind(8, run_id);
    if (up->exec() != 1) {
      return base::make_error(base::ErrorCode::database, "finish_run: no run with id " + std::to_string(run_id));
    }
    tx.commit();
    return base::ok_status();
  } catch (const std::exception& e) {
    return db_error("recording the end of the run", e);
  }
}

std::unordered_map<std::string, double> HistoryStore::last_durations() const {
  std::unordered_map<std::string, double> out;
  try {
    Using q(m_impl->st.last_durations);
    while (q->executeStep()) {
      const double s = q->getColumn(1).getDouble();
      if (std::isfinite(s) && s >= 0) out[q->getColumn(0).getString()] = s;
    }
  } catch (const std::exception& e) {
    m_impl->warnings.push_back(std::string("reading durations failed: ") + e.what());
  }
  return out;
}

std::vector<std::string> HistoryStore::last_failed() const {
  std::vector<std::string> out;
  try {
    Using q(m_impl->st.last_failed);
    while (q->executeStep()) out.push_back(q->getColumn(0).getString());
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

}  // namespace fastest::store
