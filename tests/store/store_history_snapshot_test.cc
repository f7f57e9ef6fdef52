// The history snapshot (schema 9): history() read from one row must be what the tables
// say, every write that changes them drops it, and a bad or missing row means a scan.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "store/history_snapshot.h"
#include "store/history_store.h"
#include "store/schema.h"
#include "store/store_test_util.h"

namespace fastest::store {
namespace {

namespace fs = std::filesystem;
using base::Outcome;
using testing::query_int;
using testing::result;
using testing::TempDir;

std::unique_ptr<HistoryStore> open_store(const fs::path& db) {
  auto s = HistoryStore::open(db);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return std::move(s).value();
}

/// One finished run of `tests` (node id -> call seconds), with a module cost per file.
void record_run(const fs::path& db, const std::map<std::string, double>& tests) {
  auto s = open_store(db);
  auto run = s->begin_run(RunInfo{});
  ASSERT_TRUE(run.ok());
  std::vector<base::TestResult> results;
  std::map<std::string, int> files;
  for (const auto& [id, secs] : tests) {
    results.push_back(result(id, Outcome::passed, secs));
    ++files[results.back().file];
  }
  ASSERT_TRUE(s->record_results(*run, results).ok());
  std::vector<ModuleCost> mods;
  for (const auto& [file, n] : files) mods.push_back({file, 0, 0, 0.1 * n, 0.01});
  ASSERT_TRUE(s->record_modules(*run, mods).ok());
  ASSERT_TRUE(s->finish_run(*run, RunEnd{}).ok());
}

std::int64_t snapshots(const fs::path& db) {
  SQLite::Database raw(db, SQLite::OPEN_READONLY);
  return query_int(raw, "SELECT count(*) FROM history_snapshot");
}

/// history() as the tables alone give it: a copy of the file without the snapshot row.
History scanned(const TempDir& dir, const fs::path& db) {
  const fs::path copy = dir / "scan.db";
  {
    SQLite::Database raw(db, SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  fs::copy_file(db, copy, fs::copy_options::overwrite_existing);
  {
    SQLite::Database raw(copy, SQLite::OPEN_READWRITE);
    raw.exec("DELETE FROM history_snapshot");
  }
  return open_store(copy)->history();
}

void expect_same(const History& a, const History& b) {
  EXPECT_EQ(a.test_seconds, b.test_seconds);
  EXPECT_EQ(a.module_overhead_seconds, b.module_overhead_seconds);
}

const std::map<std::string, double> k_run1 = {
    {"tests/a.py::test_1", 0.25}, {"tests/a.py::test_2", 1.5}, {"tests/b.py::TestK::test_3", 0.125}};

TEST(StoreHistorySnapshot, AFinishedRunLeavesOneRowThatAnswersAsTheTables) {
  TempDir dir;
  const fs::path db = dir / "h.db";
  record_run(db, k_run1);
  EXPECT_EQ(snapshots(db), 1);
  const History h = open_store(db)->history();
  ASSERT_EQ(h.test_seconds.size(), 3u);
  EXPECT_EQ(testing::seconds_by_id(h).at("tests/a.py::test_2"), 1.5);
  EXPECT_EQ(h.module_overhead_seconds.size(), 2u);
  expect_same(h, scanned(dir, db));
}

TEST(StoreHistorySnapshot, RecordingResultsDropsItAndTheRunsEndWritesTheNewStatistics) {
  TempDir dir;
  const fs::path db = dir / "h.db";
  record_run(db, k_run1);
  {
    auto s = open_store(db);
    auto run = s->begin_run(RunInfo{});
    ASSERT_TRUE(run.ok());
    EXPECT_EQ(snapshots(db), 1);  // starting a run changes no statistics
    const std::vector<base::TestResult> more = {result("tests/a.py::test_1", Outcome::passed, 0.75),
                                                result("tests/c.py::test_new", Outcome::passed, 2.0)};
    ASSERT_TRUE(s->record_results(*run, more).ok());
    EXPECT_EQ(snapshots(db), 0);
    ASSERT_TRUE(s->finish_run(*run, RunEnd{}).ok());
    EXPECT_EQ(snapshots(db), 1);
  }
  const History h = open_store(db)->history();
  const auto by_id = testing::seconds_by_id(h);
  EXPECT_EQ(by_id.size(), 4u);
  EXPECT_EQ(by_id.at("tests/c.py::test_new"), 2.0);
  EXPECT_EQ(by_id.at("tests/a.py::test_1"), 0.5);  // median of 0.25 and 0.75
  expect_same(h, scanned(dir, db));
}

TEST(StoreHistorySnapshot, ModuleCostsPruneAndMergeDropIt) {
  TempDir dir;
  const fs::path db = dir / "h.db";
  record_run(db, k_run1);
  {
    auto s = open_store(db);
    auto run = s->begin_run(RunInfo{});
    ASSERT_TRUE(run.ok());
    const std::vector<ModuleCost> mods = {{"tests/a.py", 0, 0, 3.0, 0.0}};
    ASSERT_TRUE(s->record_modules(*run, mods).ok());
    EXPECT_EQ(snapshots(db), 0);
    ASSERT_TRUE(s->finish_run(*run, RunEnd{}).ok());
  }
  EXPECT_EQ(snapshots(db), 1);
  expect_same(open_store(db)->history(), scanned(dir, db));

  // A run without test_3: keeping only that run forgets test_3.
  record_run(db, {{"tests/a.py::test_1", 0.25}});
  ASSERT_EQ(snapshots(db), 1);
  {
    auto s = open_store(db);
    auto pruned = s->prune(1);
    ASSERT_TRUE(pruned.ok());
    EXPECT_EQ(snapshots(db), 0);
    EXPECT_EQ(testing::seconds_by_id(s->history()).count("tests/b.py::TestK::test_3"), 0u);
  }

  const fs::path other = dir / "other.db";
  record_run(other, {{"tests/d.py::test_d", 4.0}});
  record_run(db, {{"tests/a.py::test_1", 0.25}});
  ASSERT_EQ(snapshots(db), 1);
  {
    auto s = open_store(db);
    ASSERT_TRUE(s->merge_from(other).ok());
    EXPECT_EQ(snapshots(db), 0);
    EXPECT_EQ(testing::seconds_by_id(s->history()).at("tests/d.py::test_d"), 4.0);
  }
}

TEST(StoreHistorySnapshot, StartUpReadsTheRowNotTheTables) {
  TempDir dir;
  const fs::path db = dir / "h.db";
  record_run(db, k_run1);
  History marked;
  marked.test_seconds = {{"tests/a.py::test_1", 9.0}};
  const std::string blob = encode_history(marked);
  {
    SQLite::Database raw(db, SQLite::OPEN_READWRITE);
    SQLite::Statement up(raw, "UPDATE history_snapshot SET data = ?");
    up.bind(1, blob.data(), static_cast<int>(blob.size()));
    ASSERT_EQ(up.exec(), 1);
  }
  expect_same(open_store(db)->history(), marked);
}

TEST(StoreHistorySnapshot, AnUnreadableRowIsIgnoredForTheTables) {
  TempDir dir;
  const fs::path db = dir / "h.db";
  record_run(db, k_run1);
  {
    SQLite::Database raw(db, SQLite::OPEN_READWRITE);
    raw.exec("UPDATE history_snapshot SET data = x'01ffffffff'");
  }
  auto s = open_store(db);
  const History h = s->history();
  EXPECT_EQ(h.test_seconds.size(), 3u);
  EXPECT_TRUE(s->warnings().empty());
  expect_same(h, scanned(dir, db));
}

TEST(StoreMigration, AVersion8FileGetsTheSnapshotTableEmptyAndKeepsItsHistory) {
  TempDir dir;
  const fs::path db = dir / "v8.db";
  testing::write_at_version(
      db, 8,
      "INSERT INTO runs (id, uuid, started_unix, argv, workers, schedule, shard, python_version, host, "
      "git_commit, predicted_makespan_s) VALUES (1, '0123456789abcdef0123456789abcdef', 1.0, '', 1, 'lpt', "
      "'', '3.11', 'h', 'c8', 0);"
      "INSERT INTO nodes (id, node_id, file) VALUES (1, 't.py::a', 't.py');"
      "INSERT INTO test_stats (node, n, timed, estimate_s, spread_s, last_s, last_outcome, last_verdict, failures, "
      "flips, last_run, recent) VALUES (1, 1, 1, 0.5, 0, 0.5, 1, 1, 0, 0, 1, x'');");
  {
    auto s = open_store(db);
    EXPECT_TRUE(s->warnings().empty()) << s->warnings()[0];
    EXPECT_EQ(s->schema_version(), latest_schema_version());
    EXPECT_EQ(testing::seconds_by_id(s->history()).at("t.py::a"), 0.5);
  }
  EXPECT_EQ(snapshots(db), 0);  // written by the next run's end, not by an upgrade
}

TEST(StoreMigration, AVersion9FileGetsColdStartAndItsRunsCountAsWarm) {
  TempDir dir;
  const fs::path db = dir / "v9.db";
  testing::write_at_version(
      db, 9,
      "INSERT INTO runs (id, uuid, started_unix, argv, workers, schedule, shard, python_version, host, "
      "git_commit, predicted_makespan_s) VALUES (1, '0123456789abcdef0123456789abcdef', 1.0, '', 1, 'lpt', "
      "'', '3.11', 'h', 'c9', 0);");
  {
    auto s = open_store(db);
    EXPECT_TRUE(s->warnings().empty()) << s->warnings()[0];
    EXPECT_EQ(s->schema_version(), latest_schema_version());
  }
  SQLite::Database raw(db.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(testing::query_int(raw, "SELECT cold_start FROM runs WHERE id = 1"), 0);
}

History sample_history() {
  History h;
  h.test_seconds = {{"tests/d000/test_f00000.py::test_0", 0.001},
                    {"tests/d000/test_f00000.py::test_1", 2.5},
                    {"tests/d000/test_f00001.py::TestK::test_0[a-b]", 0},
                    {"x", 1e5}};
  h.module_overhead_seconds = {{"tests/d000/test_f00000.py", 0.02}, {"tests/d000/test_f00001.py", 0.5}};
  return h;
}

TEST(HistorySnapshotBlob, RoundTripsInOrderAndSharesKeyPrefixes) {
  const History h = sample_history();
  const std::string blob = encode_history(h);
  auto back = decode_history(blob);
  ASSERT_TRUE(back.has_value());
  expect_same(*back, h);
  std::size_t key_bytes = 0;
  for (const auto& [id, s] : h.test_seconds) key_bytes += id.size();
  EXPECT_LT(blob.size(), key_bytes + 9 * h.test_seconds.size() + 64);
}

TEST(HistorySnapshotBlob, TruncatedChangedOrRandomBytesNeverCrashAndTruncationsAreRefused) {
  const std::string blob = encode_history(sample_history());
  for (std::size_t n = 0; n < blob.size(); ++n) EXPECT_FALSE(decode_history(blob.substr(0, n)).has_value()) << n;
  EXPECT_FALSE(decode_history(blob + "x").has_value());
  for (std::size_t i = 0; i < blob.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string changed = blob;
      changed[i] = static_cast<char>(changed[i] ^ (1 << bit));
      if (auto h = decode_history(changed)) {
        for (const auto& [id, s] : h->test_seconds) EXPECT_TRUE(s >= 0 && s <= 7 * 24 * 3600.0) << s;
      }
    }
  }
  std::mt19937 rng(12);
  for (int round = 0; round < 2000; ++round) {
    std::string junk(rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (!junk.empty()) junk[0] = 1;
    (void)decode_history(junk);
  }
}

TEST(HistorySnapshotBlob, InsaneSecondsAreLeftOutAsTheScanLeavesThem) {
  History h;
  h.test_seconds = {{"a", -1.0}, {"b", 0.5}, {"c", std::numeric_limits<double>::quiet_NaN()}, {"d", 1e12}};
  auto back = decode_history(encode_history(h));
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->test_seconds.size(), 1u);
  EXPECT_EQ(back->test_seconds[0].first, "b");
}

}  // namespace
}  // namespace fastest::store
