#include "open_db.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>
#include <tuple>

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "schema.h"
#include "store/history_store.h"
#include "store_impl.h"

namespace fastest::store {
namespace fs = std::filesystem;
namespace {

constexpr int k_busy_timeout_ms = 10'000;
constexpr char k_sqlite_magic[] = "SQLite format 3";  // 16 bytes with its NUL

int pragma_int(SQLite::Database& db, const char* sql) {
  SQLite::Statement st(db, sql);
  return st.executeStep() ? st.getColumn(0).getInt() : 0;
}

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

/// Cheap checks on the raw 100-byte header, before SQLite sees the file. "" when plausible;
/// "not an SQLite ..." when it cannot be one; otherwise a doubt for SQLite to confirm.
std::string check_header(const fs::path& path, std::uintmax_t size) {
  std::array<unsigned char, 100> h{};
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(h.data()), h.size())) {
    return "not an SQLite database (only " + std::to_string(size) + " bytes)";
  }
  if (std::memcmp(h.data(), k_sqlite_magic, sizeof k_sqlite_magic) != 0) {
    if (std::memcmp(h.data(), "\x89PNG", 4) == 0) return "not an SQLite database (a PNG image)";
    return "not an SQLite database (no SQLite header)";
  }
  std::uint32_t page = (std::uint32_t{h[16]} << 8) | h[17];
  if (page == 1) page = 65536;
  if (page < 512 || page > 65536 || (page & (page - 1)) != 0) return "corrupt SQLite header (page size)";
  if (size % page != 0) return "truncated SQLite file (not a whole number of pages)";
  // The in-header page count is valid when the change counter matches "version-valid-for".
  if (be32(&h[24]) == be32(&h[92]) && std::uintmax_t{be32(&h[28])} * page > size) {
    return "truncated SQLite file (" + std::to_string(size / page) + " of " + std::to_string(be32(&h[28])) + " pages)";
  }
  return "";
}

using SchemaRow = std::tuple<std::string, std::string, std::string, std::string>;

std::vector<SchemaRow> schema_rows(SQLite::Database& db) {
  std::vector<SchemaRow> rows;
  SQLite::Statement st(db, "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name");
  while (st.executeStep()) {
    rows.emplace_back(st.getColumn(0).getString(), st.getColumn(1).getString(), st.getColumn(2).getString(),
                      st.getColumn(3).getString());
  }
  return rows;
}

/// sqlite_master as our own migrations up to `version` leave it.
std::vector<SchemaRow> expected_rows(int version) {
  SQLite::Database ref(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  for (const Migration& m : migrations()) {
    if (m.version <= version) ref.exec(std::string(m.sql));
  }
  return schema_rows(ref);
}

std::string describe_difference(const std::vector<SchemaRow>& have, const std::vector<SchemaRow>& want) {
  for (const SchemaRow& r : have) {
    if (std::find(want.begin(), want.end(), r) == want.end()) {
      return "unexpected schema object " + std::get<0>(r) + " '" + std::get<1>(r) + "'";
    }
  }
  for (const SchemaRow& r : want) {
    if (std::find(have.begin(), have.end(), r) == have.end()) {
      return "missing schema object " + std::get<0>(r) + " '" + std::get<1>(r) + "'";
    }
  }
  return "";
}

// `full`: compare the schema objects with our migrations' and run PRAGMA quick_check. A file
// verified unchanged since a clean close that followed such a check needs neither: no byte
// of it changed, so neither did its schema (building the expected schema, all migrations in
// an in-memory database, was 5% of a cached 10,000-file --collect-only --static).
Verdict classify(SQLite::Database& db, bool full) {
  // One read transaction: every answer below comes from the same snapshot, even while a
  // racing opener creates or migrates the file.
  SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
  const int app = application_id(db);
  const int version = user_version(db);
  const std::vector<SchemaRow> have = schema_rows(db);
  if (app != 0 && app != k_application_id) {
    return {Verdict::Kind::foreign,
            "another application's SQLite database (application_id " + std::to_string(app) + "); it was not modified",
            version};
  }
  if (app == 0) {
    if (version == 0 && have.empty()) return {Verdict::Kind::empty, "", 0};
    return {Verdict::Kind::foreign, "an SQLite database that fastest did not create; it was not modified", version};
  }
  if (version > latest_schema_version()) {
    return {Verdict::Kind::newer,
            "schema version " + std::to_string(version) + " is newer than this fastest supports (" +
                std::to_string(latest_schema_version()) + "); upgrade fastest or use another --db",
            version};
  }
  if (version < 1) return {Verdict::Kind::corrupt, "fastest database without a schema version", version};
  if (!full) return {Verdict::Kind::usable, "", version};
  if (std::string diff = describe_difference(have, expected_rows(version)); !diff.empty()) {
    return {Verdict::Kind::corrupt, diff + " (schema version " + std::to_string(version) + ")", version};
  }
  {
    SQLite::Statement qc(db, "PRAGMA quick_check");
    if (qc.executeStep() && qc.getColumn(0).getString() != "ok") {
      return {Verdict::Kind::corrupt, "quick_check failed: " + qc.getColumn(0).getString(), version};
    }
  }
  return {Verdict::Kind::usable, "", version};
}

void set_connection_pragmas(SQLite::Database& db) {
  SQLite::Statement wal(db, "PRAGMA journal_mode=WAL");
  (void)wal.executeStep();
  db.exec("PRAGMA synchronous=NORMAL");
  // 32 MiB: a 100k-test suite's statistics stay cached between the runs' batches.
  db.exec("PRAGMA cache_size=-32768");
  // Reads map the file instead of copying each page through pread into the page cache:
  // the planner's start-up scans (every node id and estimate) cost a third less at 100,000
  // tests. Writes still go through the WAL; 256 MiB covers a store of 30 runs of 100k tests.
  db.exec("PRAGMA mmap_size=268435456");
  db.exec("PRAGMA foreign_keys=ON");
}

std::string unix_suffix() {
  using namespace std::chrono;
  return std::to_string(duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
}

}  // namespace

static void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Memory statistics cost a global mutex per allocation and nothing here reads them.
    // Must precede sqlite3_initialize(); a no-op (SQLITE_MISUSE) if SQLite already started.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
}

int user_version(SQLite::Database& db) { return pragma_int(db, "PRAGMA user_version"); }
int application_id(SQLite::Database& db) { return pragma_int(db, "PRAGMA application_id"); }

void harden(SQLite::Database& db) {
  sqlite3* h = db.getHandle();
  sqlite3_db_config(h, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(h, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr);
  sqlite3_db_config(h, SQLITE_DBCONFIG_ENABLE_VIEW, 0, nullptr);
  sqlite3_db_config(h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  db.exec("PRAGMA trusted_schema=OFF");
  db.exec("PRAGMA cell_size_check=ON");
}

namespace {

fs::path stamp_path(const fs::path& path) { return path.string() + ".verified"; }

bool before(const timespec& a, const timespec& b) {
  return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

/// "inode size ctime_s ctime_ns" of the file, "" when it cannot be read.
std::string identity(const struct stat& st) {
  return std::to_string(st.st_ino) + " " + std::to_string(st.st_size) + " " + std::to_string(st.st_ctim.tv_sec) + " " +
         std::to_string(st.st_ctim.tv_nsec);
}

}  // namespace

// File times come from the kernel's coarse clock, so a write in the same tick as the close
// would keep the ctime (git's "racy clean" problem). The stamp is therefore written only once
// the coarse clock has moved past the file's ctime, and trusted only when it is strictly newer
// than the file's ctime: any later write gives the file a ctime at or after the stamp's.
namespace {

/// A -wal file holding frames (an empty one, as a read-only connection leaves it, holds none).
bool wal_has_frames(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path.string() + "-wal", ec);
  return !ec && size > 0;
}

}  // namespace

bool verified_unchanged(const fs::path& path) {
  if (wal_has_frames(path)) return false;
  const fs::path stamp = stamp_path(path);
  struct stat db {
  }, st{};
  if (::stat(path.c_str(), &db) != 0 || ::stat(stamp.c_str(), &st) != 0) return false;
  if (!before(db.st_ctim, st.st_mtim)) return false;
  std::ifstream in(stamp);
  std::string line;
  return std::getline(in, line) && line == identity(db);
}

void stamp_verified(const fs::path& path) {
  std::error_code ec;
  if (wal_has_frames(path)) return;
  struct stat db {};
  if (::stat(path.c_str(), &db) != 0) return;
  // Wait out the tick of the file's last write (a few ms at most).
  for (int i = 0; i < 50; ++i) {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
    if (before(db.st_ctim, now)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const fs::path stamp = stamp_path(path), tmp = stamp.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << identity(db) << "\n";
    if (!out.flush()) {
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, stamp, ec);
  if (ec) fs::remove(tmp, ec);
}

/// Errors a racing opener meets transiently: BUSY/LOCKED, and SQLITE_PROTOCOL ("locking
/// protocol"), which SQLite returns when the WAL index kept changing under its own retries
/// (seen once under load in StoreConcurrency.RacingOpenersOfANewFileAllSucceed).
static bool is_busy(const SQLite::Exception& e) {
  const int code = e.getErrorCode() & 0xff;
  return code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_PROTOCOL;
}

Verdict inspect(const fs::path& path, Depth depth) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) return {Verdict::Kind::corrupt, "unreadable: " + ec.message(), 0};
  if (size == 0) return {Verdict::Kind::empty, "", 0};
  // Every header doubt is only a hint: read without SQLite's locks, even "no SQLite header"
  // can be a racing opener's first page in flight (seen as 1 in 7 runs of
  // StoreConcurrency.RacingOpenersOfANewFileAllSucceed under load: the file set aside under
  // the writer), and size or page-count doubts its checkpoint. SQLite, under its locks, has
  // the last word: a file that is not a database fails its first read (SQLITE_NOTADB).
  const std::string hint = check_header(path, size);
  try {
    SQLite::Database db(path, SQLite::OPEN_READONLY, k_busy_timeout_ms);
    harden(db);
    Verdict v = classify(db, depth == Depth::full || !verified_unchanged(path));
    if (v.kind == Verdict::Kind::corrupt && !hint.empty()) v.reason = hint + "; " + v.reason;
    return v;
  } catch (const SQLite::Exception& e) {
    // A racing writer's lock is not damage: the caller retries (extended codes such as
    // SQLITE_BUSY_RECOVERY included); only what SQLite reports of the file itself is.
    if (is_busy(e) || (e.getErrorCode() & 0xff) == SQLITE_CANTOPEN) throw;
    return {Verdict::Kind::corrupt, (hint.empty() ? "" : hint + "; ") + "SQLite: " + e.what(), 0};
  }
}

base::Result<fs::path> set_aside(const fs::path& path) {
  const std::string base = path.string() + ".corrupt-" + unix_suffix();
  fs::path target = base;
  for (int n = 2; fs::exists(target); ++n) target = base + "-" + std::to_string(n);
  std::error_code ec;
  fs::rename(path, target, ec);
  if (ec) return base::make_error(base::ErrorCode::io, "cannot move " + path.string() + " aside: " + ec.message());
  fs::remove(stamp_path(path), ec);
  for (const char* suffix : {"-wal", "-shm"}) {
    const fs::path side = path.string() + suffix;
    if (fs::exists(side, ec)) fs::rename(side, target.string() + suffix, ec);
  }
  return target;
}

void enforce_foreign_keys(SQLite::Database& db, bool on) {
  db.exec(on ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF");
}

base::Status migrate(SQLite::Database& db, int target_version) {
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  // Re-read under the write lock: a racing opener may have migrated meanwhile.
  const int version = user_version(db);
  const int app = application_id(db);
  if (version == target_version && app == k_application_id) return base::ok_status();
  if (version > target_version) {
    return base::make_error(base::ErrorCode::database,
                            "database schema version " + std::to_string(version) + " is newer than this fastest (" +
                                std::to_string(target_version) + "); upgrade fastest or use another --db");
  }
  if (app != k_application_id && !(app == 0 && version == 0)) {
    return base::make_error(base::ErrorCode::database, "not a fastest database (application_id " + std::to_string(app) +
                                                           "); refusing to write it");
  }
  for (const Migration& m : migrations()) {
    if (m.version > version && m.version <= target_version) {
      db.exec(std::string(m.sql));
    }
  }
  // Tables filled from the results once they have their latest shape: 0002 introduced
  // test_stats, 0005 series.
  if (version < 2 && target_version >= 2) rebuild_test_stats(db, false);
  if (version < 5 && target_version >= 5) rebuild_series(db, k_default_keep_runs);
  db.exec("PRAGMA user_version=" + std::to_string(target_version));
  db.exec("PRAGMA application_id=" + std::to_string(k_application_id));
  tx.commit();
  return base::ok_status();
}

namespace {

base::Result<std::unique_ptr<SQLite::Database>> open_file_once(const fs::path& path,
                                                               std::vector<std::string>& warnings);

}  // namespace

base::Result<std::unique_ptr<SQLite::Database>> open_file(const fs::path& path, std::vector<std::string>& warnings) {
  configure_sqlite_once();
  // Racing openers can meet SQLITE_BUSY where SQLite does not call the busy handler (one of
  // them switching the file to WAL, or recovering it). Start again, for up to ~the busy timeout.
  using namespace std::chrono;
  const auto deadline = steady_clock::now() + milliseconds(k_busy_timeout_ms);
  for (int attempt = 1;; ++attempt) {
    try {
      return open_file_once(path, warnings);
    } catch (const SQLite::Exception& e) {
      if (!is_busy(e) || steady_clock::now() > deadline) throw;
      std::this_thread::sleep_for(milliseconds(std::min(5 * attempt, 100)));
    }
  }
}

namespace {

base::Result<std::unique_ptr<SQLite::Database>> open_file_once(const fs::path& path,
                                                               std::vector<std::string>& warnings) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec)
    return base::make_error(base::ErrorCode::io, "cannot create " + path.parent_path().string() + ": " + ec.message());
  if (fs::exists(path, ec)) {
    // Only a regular file may be inspected, set aside or created anew: `--db /dev/null`
    // (a "no history" idiom) must never rename the device and put a database in its place.
    if (!fs::is_regular_file(path, ec))
      return base::make_error(base::ErrorCode::io,
                              path.string() + " is not a regular file; refusing to use it as a history database");
    const Verdict v = inspect(path, Depth::unless_verified);
    if (v.kind == Verdict::Kind::newer)
      return base::make_error(base::ErrorCode::database, path.string() + ": " + v.reason);
    if (v.kind == Verdict::Kind::corrupt || v.kind == Verdict::Kind::foreign) {
      auto moved = set_aside(path);
      if (!moved) return moved.error();
      warnings.push_back(path.string() + ": " + v.reason + "; moved to " + moved->string() +
                         " and starting a new history database");
    }
  }
  // NOMUTEX: a HistoryStore (one connection) is used by one thread at a time.
  auto db = std::make_unique<SQLite::Database>(
      path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_URI | SQLite::OPEN_NOMUTEX, k_busy_timeout_ms);
  harden(*db);
  set_connection_pragmas(*db);
  if (auto st = migrate(*db, latest_schema_version()); !st) return st.error();
  enforce_foreign_keys(*db, false);
  return db;
}

}  // namespace

base::Result<std::unique_ptr<SQLite::Database>> open_memory_db() {
  configure_sqlite_once();
  auto db = std::make_unique<SQLite::Database>(
      ":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_URI | SQLite::OPEN_NOMUTEX);
  harden(*db);
  db->exec("PRAGMA foreign_keys=ON");
  if (auto st = migrate(*db, latest_schema_version()); !st) return st.error();
  enforce_foreign_keys(*db, false);
  return db;
}

}  // namespace fastest::store
