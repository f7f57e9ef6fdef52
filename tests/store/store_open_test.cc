// Opening store files: schema creation, migrations, refusing newer versions, and untrusted
// files (RELIABILITY.md D1, D4, U1-U3) against real SQLite in temp directories.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "store/history_store.h"
#include "store/open_db.h"
#include "store/schema.h"
#include "store/store_test_util.h"

namespace fastest::store {
namespace {

namespace fs = std::filesystem;
using testing::open_concurrently;
using testing::query_int;
using testing::query_text;
using testing::read_bytes;
using testing::set_aside_files;
using testing::TempDir;
using testing::write_bytes;

/// Creates a valid store file with one finished run, then closes it.
void make_store(const fs::path& path) {
  auto s = HistoryStore::open(path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto run = (*s)->begin_run(RunInfo{});
  ASSERT_TRUE(run.ok());
  base::TestResult r;
  r.node_id = "t::a";
  r.file = "t.py";
  r.call_s = 1;
  ASSERT_TRUE((*s)->record_results(*run, {&r, 1}).ok());
  ASSERT_TRUE((*s)->finish_run(*run, RunEnd{}).ok());
}

/// Opening `path` works, warns once, moves the original bytes aside and gives a fresh store.
void expect_set_aside_and_rebuilt(const fs::path& path, const std::string& warning_part) {
  const std::string original = read_bytes(path);
  auto s = HistoryStore::open(path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ((*s)->warnings().size(), 1u);
  EXPECT_NE((*s)->warnings()[0].find(warning_part), std::string::npos) << (*s)->warnings()[0];
  EXPECT_NE((*s)->warnings()[0].find(".corrupt-"), std::string::npos) << (*s)->warnings()[0];
  const auto aside = set_aside_files(path);
  ASSERT_EQ(aside.size(), 1u);
  EXPECT_EQ(read_bytes(aside[0]), original);
  EXPECT_EQ((*s)->schema_version(), latest_schema_version());
  EXPECT_EQ((*s)->run_count(), 0);
  auto run = (*s)->begin_run(RunInfo{});
  EXPECT_TRUE(run.ok());
}

TEST(StoreOpen, CreatesDirectoriesSchemaVersionApplicationIdAndWal) {
  TempDir dir;
  const auto path = dir / "deep/er/.fastest/fastest.db";
  auto s = HistoryStore::open(path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE((*s)->warnings().empty());
  EXPECT_EQ((*s)->schema_version(), latest_schema_version());
  s.value().reset();
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(query_int(raw, "PRAGMA user_version"), latest_schema_version());
  EXPECT_EQ(query_int(raw, "PRAGMA application_id"), k_application_id);
  EXPECT_EQ(query_text(raw, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_int(raw,
                      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                      "('files', 'runs', 'results')"),
            3);
}

TEST(StoreOpen, MemoryStoreHasTheLatestSchema) {
  auto s = HistoryStore::open_memory();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->schema_version(), latest_schema_version());
}

TEST(StoreOpen, ReopeningKeepsHistory) {
  TempDir dir;
  make_store(dir / "h.db");
  auto s = HistoryStore::open(dir / "h.db");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE((*s)->warnings().empty());
  EXPECT_EQ((*s)->run_count(), 1);
  EXPECT_TRUE(set_aside_files(dir / "h.db").empty());
}

TEST(StoreOpen, RefusesNewerSchemaVersionAndLeavesTheFileUnchanged) {
  TempDir dir;
  const auto path = dir / "h.db";
  make_store(path);
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA user_version = 999");
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  const std::string before = read_bytes(path);
  auto s = HistoryStore::open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, base::ErrorCode::database);
  EXPECT_NE(s.error().message.find("newer"), std::string::npos) << s.error().message;
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_TRUE(set_aside_files(path).empty());
}

TEST(StoreOpen, AZeroByteFileIsAnEmptyDatabaseNotCorruption) {
  TempDir dir;
  write_bytes(dir / "h.db", "");
  auto s = HistoryStore::open(dir / "h.db");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE((*s)->warnings().empty());
  EXPECT_EQ((*s)->schema_version(), latest_schema_version());
}

TEST(StoreOpen, APathThatIsNoRegularFileIsRefusedAndLeftAlone) {
  // `--db /dev/null` once renamed the device aside and created a database in its place
  // (not tried on /dev/null itself: a regression would break the machine's /dev/null).
  TempDir dir;
  const auto fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::filesystem::create_directory(dir / "sub");
  for (const auto& path : {fifo, dir / "sub"}) {
    auto s = HistoryStore::open(path);
    ASSERT_FALSE(s.ok()) << path;
    EXPECT_EQ(s.error().code, base::ErrorCode::io);
    EXPECT_NE(s.error().message.find("not a regular file"), std::string::npos) << s.error().message;
    EXPECT_TRUE(set_aside_files(path).empty()) << path;
    EXPECT_FALSE(std::filesystem::exists(path.string() + "-wal")) << path;
  }
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_TRUE(std::filesystem::is_directory(dir / "sub"));
}

TEST(StoreUntrusted, PngIsSetAsideAndRebuilt) {
  TempDir dir;
  write_bytes(dir / "h.db", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(600, '\x07'));
  expect_set_aside_and_rebuilt(dir / "h.db", "PNG");
}

TEST(StoreUntrusted, ShortGarbageIsSetAsideAndRebuilt) {
  TempDir dir;
  write_bytes(dir / "h.db", "not a database\n");
  expect_set_aside_and_rebuilt(dir / "h.db", "not an SQLite database");
}

TEST(StoreUntrusted, TruncatedFileIsSetAsideAndRebuilt) {
  TempDir dir;
  const auto path = dir / "h.db";
  make_store(path);
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  const std::string whole = read_bytes(path);
  ASSERT_GT(whole.size(), 4096u);
  for (std::size_t cut : {whole.size() / 2, whole.size() - 4096, std::size_t{4096 + 100}}) {
    write_bytes(path, whole.substr(0, cut));
    expect_set_aside_and_rebuilt(path, "truncated");
    for (const auto& f : set_aside_files(path)) fs::remove(f);
    fs::remove(path);
  }
}

TEST(StoreUntrusted, RandomBytesBehindAValidHeaderAreSetAsideAndRebuilt) {
  TempDir dir;
  const auto path = dir / "h.db";
  make_store(path);
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  std::string bytes = read_bytes(path);
  std::mt19937 rng(42);
  for (std::size_t i = 100; i < bytes.size(); ++i) bytes[i] = static_cast<char>(rng());
  write_bytes(path, bytes);
  expect_set_aside_and_rebuilt(path, "");
}

// Opening skips the full-file quick_check only for a file exactly as a clean close left it.
TEST(StoreOpen, ACleanCloseStampsTheFileAndAnyLaterWriteVoidsTheStamp) {
  TempDir dir;
  const auto path = dir / "h.db";
  EXPECT_FALSE(verified_unchanged(path));
  make_store(path);
  EXPECT_TRUE(verified_unchanged(path));
  {
    auto s = HistoryStore::open(path);
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_TRUE((*s)->begin_run(RunInfo{}).ok());
    EXPECT_FALSE(verified_unchanged(path)) << "a connection is open and its -wal holds writes";
  }
  EXPECT_TRUE(verified_unchanged(path));
  write_bytes(path, read_bytes(path));  // the same bytes, written again by someone else
  EXPECT_FALSE(verified_unchanged(path));
}

TEST(StoreUntrusted, CorruptPagesRightAfterACleanCloseAreStillFound) {
  TempDir dir;
  const auto path = dir / "h.db";
  make_store(path);
  ASSERT_TRUE(verified_unchanged(path));
  std::string bytes = read_bytes(path);
  ASSERT_GT(bytes.size(), 3 * 4096u);
  for (std::size_t i = 2 * 4096; i < 3 * 4096; ++i) bytes[i] = '\x5a';  // one whole page, size unchanged
  write_bytes(path, bytes);
  expect_set_aside_and_rebuilt(path, "");
}

TEST(StoreUntrusted, ForeignApplicationDatabaseIsNeverWritten) {
  TempDir dir;
  const auto path = dir / "other.db";
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec(
        "PRAGMA application_id = 1234; CREATE TABLE photos (id INTEGER PRIMARY KEY, data BLOB);"
        "INSERT INTO photos (data) VALUES (x'0102')");
  }
  expect_set_aside_and_rebuilt(path, "another application");
}

TEST(StoreUntrusted, UnmarkedSqliteDatabaseIsSetAside) {
  TempDir dir;
  const auto path = dir / "h.db";
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("CREATE TABLE runs (x)");
  }
  expect_set_aside_and_rebuilt(path, "did not create");
}

/// A valid store into which `sql` was injected (as a hostile cache would be).
void expect_hostile_schema_set_aside(const std::string& sql, const std::string& warning_part) {
  TempDir dir;
  const auto path = dir / "h.db";
  make_store(path);
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec(sql);
  }
  expect_set_aside_and_rebuilt(path, warning_part);
}

TEST(StoreUntrusted, HostileViewIsSetAside) {
  expect_hostile_schema_set_aside("CREATE VIEW v AS SELECT * FROM runs", "unexpected schema object view 'v'");
}

TEST(StoreUntrusted, HostileTriggerIsSetAside) {
  expect_hostile_schema_set_aside("CREATE TRIGGER t AFTER INSERT ON results BEGIN DELETE FROM runs; END",
                                  "unexpected schema object trigger 't'");
}

TEST(StoreUntrusted, TableReplacedByViewIsSetAside) {
  expect_hostile_schema_set_aside("DROP TABLE files; CREATE VIEW files AS SELECT 1 AS path",
                                  "unexpected schema object view 'files'");
}

TEST(StoreUntrusted, WronglyShapedTableIsSetAside) {
  expect_hostile_schema_set_aside("DROP TABLE files; CREATE TABLE files (path TEXT)", "unexpected schema object");
}

TEST(StoreUntrusted, ExtraIndexIsSetAside) {
  expect_hostile_schema_set_aside("CREATE INDEX sneaky ON runs (host)", "unexpected schema object index 'sneaky'");
}

TEST(StoreConcurrency, RacingOpenersOfANewFileAllSucceed) {
  TempDir dir;
  const auto path = dir / "h.db";
  for (const std::string& p : open_concurrently(path, 8)) EXPECT_EQ(p, "");
  EXPECT_TRUE(set_aside_files(path).empty());
}

TEST(StoreConcurrency, TwoWritersLoseNoRows) {
  TempDir dir;
  const auto path = dir / "h.db";
  make_store(path);
  constexpr int k_batches = 40, k_per_batch = 50;
  auto writer = [&](int w, std::atomic<int>* failures) {
    auto s = HistoryStore::open(path);
    if (!s.ok()) {
      ++*failures;
      return;
    }
    auto run = (*s)->begin_run(RunInfo{});
    if (!run.ok()) ++*failures;
    for (int b = 0; b < k_batches && run.ok(); ++b) {
      std::vector<base::TestResult> rs(k_per_batch);
      for (int i = 0; i < k_per_batch; ++i) {
        rs[i].node_id = "w" + std::to_string(w) + "::t" + std::to_string(b * k_per_batch + i);
        rs[i].file = "w.py";
        rs[i].call_s = 0.01 * i;
      }
      if (!(*s)->record_results(*run, rs).ok()) ++*failures;
    }
    if (!run.ok() || !(*s)->finish_run(*run, RunEnd{}).ok()) ++*failures;
  };
  std::atomic<int> failures{0};
  std::thread a(writer, 0, &failures), b(writer, 1, &failures);
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM results"), 1 + 2 * k_batches * k_per_batch);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM runs WHERE ended_unix IS NOT NULL"), 3);
  EXPECT_EQ(query_text(raw, "PRAGMA integrity_check"), "ok");
}

TEST(StoreConcurrency, SeveralProcessesWritingOneFileLoseNoRows) {
  TempDir dir;
  const auto path = dir / "h.db";
  constexpr int k_procs = 3, k_batches = 30, k_per_batch = 40;
  std::vector<pid_t> children;
  for (int p = 0; p < k_procs; ++p) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // The child opens its own connection (nothing inherited) and exits without unwinding.
      int failures = 0;
      auto s = HistoryStore::open(path);
      if (!s.ok()) _exit(100);
      auto run = (*s)->begin_run(RunInfo{});
      if (!run.ok()) _exit(101);
      for (int b = 0; b < k_batches; ++b) {
        std::vector<base::TestResult> rs(k_per_batch);
        for (int i = 0; i < k_per_batch; ++i) {
          rs[i].node_id = "m.py::t" + std::to_string(b * k_per_batch + i);  // the same tests in every process
          rs[i].file = "m.py";
          rs[i].call_s = 0.5;
        }
        if (!(*s)->record_results(*run, rs).ok()) ++failures;
      }
      if (!(*s)->finish_run(*run, RunEnd{}).ok()) ++failures;
      _exit(failures == 0 ? 0 : 102);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM results"), k_procs * k_batches * k_per_batch);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM nodes"), k_batches * k_per_batch);
  // Every process's result was folded into the statistics exactly once.
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM test_stats WHERE n = " + std::to_string(k_procs)),
            k_batches * k_per_batch);
  EXPECT_EQ(query_text(raw, "PRAGMA integrity_check"), "ok");
}

TEST(StoreConcurrency, KillMinus9WhileWritingLeavesAConsistentFile) {
  TempDir dir;
  const auto path = dir / "h.db";
  make_store(path);
  std::mt19937 rng(3);
  for (int round = 0; round < 12; ++round) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto s = HistoryStore::open(path);
      if (!s.ok()) _exit(100);
      for (int r = 0;; ++r) {  // killed somewhere in here
        auto run = (*s)->begin_run(RunInfo{});
        std::vector<base::TestResult> rs(500);
        for (int i = 0; i < 500; ++i) {
          rs[i].node_id = "k.py::t" + std::to_string((r * 500 + i) % 3000);
          rs[i].file = "k.py";
          rs[i].call_s = 0.001 * i;
        }
        (void)(*s)->record_results(*run, rs);
        (void)(*s)->finish_run(*run, RunEnd{});
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 150));
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    {
      SQLite::Database raw(path, SQLite::OPEN_READONLY);
      ASSERT_EQ(query_text(raw, "PRAGMA quick_check"), "ok") << "round " << round;
      // Each committed batch is all there or all absent: results come in whole runs of 500,
      // and every recorded result was folded into the statistics in the same transaction.
      EXPECT_EQ(
          query_int(raw, "SELECT count(*) FROM results r JOIN nodes n ON n.id = r.node WHERE n.file = 'k.py'") % 500,
          0);
    }
    auto s = HistoryStore::open(path);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_TRUE((*s)->warnings().empty()) << (*s)->warnings()[0];
  }
}

TEST(StoreUntrusted, MutatedFilesNeverCrashAndAlwaysOpen) {
  TempDir dir;
  const auto good = dir / "good.db";
  make_store(good);
  {
    auto s = std::move(HistoryStore::open(good)).value();
    auto run = s->begin_run(RunInfo{});
    std::vector<base::TestResult> rs(300);
    for (int i = 0; i < 300; ++i) {
      rs[i].node_id = "f.py::t" + std::to_string(i);
      rs[i].file = "f.py";
      rs[i].call_s = i * 0.01;
    }
    ASSERT_TRUE(s->record_results(*run, rs).ok());
    ASSERT_TRUE(s->finish_run(*run, RunEnd{}).ok());
  }
  {
    SQLite::Database raw(good, SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  const std::string bytes = read_bytes(good);
  std::mt19937 rng(7);
  for (int round = 0; round < 60; ++round) {
    std::string mutated = bytes;
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int f = 0; f < flips; ++f) {
      mutated[rng() % mutated.size()] = static_cast<char>(rng());
    }
    const auto path = dir / ("m" + std::to_string(round) + ".db");
    write_bytes(path, mutated);
    auto s = HistoryStore::open(path);
    ASSERT_TRUE(s.ok()) << "round " << round << ": " << s.error().message;
    // Usable either way: the file as it was, or a fresh one after setting it aside.
    (void)(*s)->history();
    (void)(*s)->slowest_tests(5);
    (void)(*s)->slowest_modules(5);
    (void)(*s)->recent_runs(5);
    (void)(*s)->last_failed();
    auto run = (*s)->begin_run(RunInfo{});
    if (run.ok()) {
      base::TestResult r;
      r.node_id = "f.py::t1";
      r.file = "f.py";
      (void)(*s)->record_results(*run, {&r, 1});
      (void)(*s)->finish_run(*run, RunEnd{});
    }
  }
}

}  // namespace
}  // namespace fastest::store
