// `fastest db merge / export / check` on real files (RELIABILITY.md D3, D6).
#include <gtest/gtest.h>

#include "store/history_store.h"
#include "store/schema.h"
#include "store/store_test_util.h"

namespace fastest::store {
namespace {

namespace fs = std::filesystem;
using base::Outcome;
using base::TestResult;
using testing::canonical_dump;
using testing::query_int;
using testing::read_bytes;
using testing::TempDir;

using testing::result;
using testing::seconds_by_id;

void record_run(const fs::path& db, const std::vector<TestResult>& results, const std::string& shard = "") {
  auto s = std::move(HistoryStore::open(db)).value();
  RunInfo info;
  info.shard = shard;
  auto run = s->begin_run(info);
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(s->record_results(*run, results).ok());
  std::vector<ModuleCost> mods;
  for (const auto& r : results) mods.push_back({r.file, 0, 0, 0.1, 0.05});
  ASSERT_TRUE(s->record_modules(*run, mods).ok());
  std::vector<BatchSpan> spans = {{0, results.front().file, 0, 1, static_cast<int>(results.size())}};
  ASSERT_TRUE(s->record_batches(*run, spans).ok());
  CachedFile f;
  f.rel_path = results.front().file;
  f.size = 10;
  ASSERT_TRUE(s->save_files({&f, 1}).ok());
  ASSERT_TRUE(s->finish_run(*run, RunEnd{}).ok());
}

/// Closes WAL files so a copy of the main file is the whole database.
void checkpoint(const fs::path& db) {
  SQLite::Database raw(db, SQLite::OPEN_READWRITE);
  raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

std::int64_t stat_n(const fs::path& db, const std::string& node) {
  SQLite::Database raw(db, SQLite::OPEN_READONLY);
  return query_int(raw, "SELECT s.n FROM test_stats s JOIN nodes n ON n.id = s.node WHERE n.node_id = '" + node + "'");
}

/// The CI flow: a cached history C, restored into two shards that run disjoint tests.
class StoreMergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    record_run(cache(), {result("a.py::t1", Outcome::passed, 1), result("a.py::t2", Outcome::passed, 2),
                         result("b.py::t3", Outcome::passed, 3), result("b.py::t4", Outcome::failed, 4)});
    record_run(cache(), {result("a.py::t1", Outcome::passed, 1.5), result("a.py::t2", Outcome::passed, 2.5),
                         result("b.py::t3", Outcome::passed, 3.5), result("b.py::t4", Outcome::passed, 4.5)});
    checkpoint(cache());
    fs::copy_file(cache(), shard_a());
    fs::copy_file(cache(), shard_b());
    record_run(shard_a(), {result("a.py::t1", Outcome::failed, 10), result("a.py::t2", Outcome::passed, 20)}, "1/2");
    record_run(shard_b(), {result("b.py::t3", Outcome::passed, 30), result("b.py::t4", Outcome::passed, 40)}, "2/2");
    checkpoint(shard_a());
    checkpoint(shard_b());
  }

  fs::path cache() const { return m_dir / "cache.db"; }
  fs::path shard_a() const { return m_dir / "a.db"; }
  fs::path shard_b() const { return m_dir / "b.db"; }

  fs::path merged(const std::vector<fs::path>& inputs, const std::string& name) {
    const fs::path out = m_dir / name;
    std::vector<std::string> warnings;
    EXPECT_TRUE(HistoryStore::merge(inputs, out, warnings).ok());
    EXPECT_TRUE(warnings.empty()) << warnings[0];
    checkpoint(out);
    return out;
  }

  TempDir m_dir;
};

TEST_F(StoreMergeTest, MergeKeepsEveryShardsRunsAndStatistics) {
  const fs::path out = merged({shard_a(), shard_b()}, "out.db");
  SQLite::Database raw(out, SQLite::OPEN_READONLY);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM runs"), 4);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM results"), 12);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM batches"), 4);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM module_costs"), 2 + 2 + 1 + 1);  // (run, module) pairs
  for (const char* node : {"a.py::t1", "a.py::t2", "b.py::t3", "b.py::t4"}) EXPECT_EQ(stat_n(out, node), 3) << node;
  auto s = std::move(HistoryStore::open(out)).value();
  const History h = s->history();
  EXPECT_NEAR(seconds_by_id(h).at("a.py::t1"), 1.5, 1e-6);  // median of 1, 1.5, 10
  EXPECT_NEAR(seconds_by_id(h).at("b.py::t4"), 4.5, 1e-6);  // median of 4, 4.5, 40
  EXPECT_EQ(s->last_failed(), std::vector<std::string>{"a.py::t1"});
  EXPECT_EQ(s->run_count(), 4);
}

TEST_F(StoreMergeTest, MergeIsCommutative) {
  EXPECT_EQ(canonical_dump(merged({shard_a(), shard_b()}, "ab.db")),
            canonical_dump(merged({shard_b(), shard_a()}, "ba.db")));
}

TEST_F(StoreMergeTest, MergeIsIdempotent) {
  const auto once = canonical_dump(merged({shard_a(), shard_b()}, "once.db"));
  EXPECT_EQ(once, canonical_dump(merged({shard_a(), shard_b(), shard_a(), shard_b()}, "twice.db")));
  // Folding a shard into a database that already holds it changes nothing.
  std::vector<std::string> warnings;
  ASSERT_TRUE(HistoryStore::merge(std::vector<fs::path>{shard_b()}, m_dir / "once.db", warnings).ok());
  checkpoint(m_dir / "once.db");
  EXPECT_EQ(once, canonical_dump(m_dir / "once.db"));
}

TEST_F(StoreMergeTest, MergingIntoTheCacheGivesTheSameHistory) {
  const auto fresh = canonical_dump(merged({shard_a(), shard_b()}, "fresh.db"));
  std::vector<std::string> warnings;
  ASSERT_TRUE(HistoryStore::merge(std::vector<fs::path>{shard_b(), shard_a()}, cache(), warnings).ok());
  checkpoint(cache());
  EXPECT_EQ(fresh, canonical_dump(cache()));
}

TEST_F(StoreMergeTest, InputsAreNeverWritten) {
  const std::string a = read_bytes(shard_a()), b = read_bytes(shard_b());
  merged({shard_a(), shard_b()}, "out.db");
  EXPECT_EQ(read_bytes(shard_a()), a);
  EXPECT_EQ(read_bytes(shard_b()), b);
}

TEST_F(StoreMergeTest, DivergentHistoriesAreRecombinedFromResults) {
  // Both shards ran t1 (e.g. two full runs on different machines): neither saw the other's run.
  record_run(shard_b(), {result("a.py::t1", Outcome::passed, 12)});
  checkpoint(shard_b());
  const fs::path ab = merged({shard_a(), shard_b()}, "ab.db");
  const fs::path ba = merged({shard_b(), shard_a()}, "ba.db");
  EXPECT_EQ(canonical_dump(ab), canonical_dump(ba));
  EXPECT_EQ(stat_n(ab, "a.py::t1"), 4);  // 2 cached + 1 in each shard
  auto s = std::move(HistoryStore::open(ab)).value();
  EXPECT_NEAR(seconds_by_id(s->history()).at("a.py::t1"), (1.5 + 10) / 2, 1e-6);  // median of 1, 1.5, 10, 12
}

TEST_F(StoreMergeTest, ABadInputIsSkippedWithAWarningAndTheRestMerged) {
  testing::write_bytes(m_dir / "png.db", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(600, 'x'));
  std::vector<std::string> warnings;
  const fs::path out = m_dir / "out.db";
  ASSERT_TRUE(
      HistoryStore::merge(std::vector<fs::path>{shard_a(), m_dir / "png.db", m_dir / "missing.db"}, out, warnings)
          .ok());
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("PNG"), std::string::npos) << warnings[0];
  EXPECT_EQ(std::move(HistoryStore::open(out)).value()->run_count(), 3);
  EXPECT_TRUE(fs::exists(m_dir / "png.db"));  // someone else's file: reported, not moved
}

TEST_F(StoreMergeTest, AVersion1InputIsUpgradedInACopy) {
  const fs::path v1 = m_dir / "v1.db";
  {
    SQLite::Database raw(v1, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec(std::string(migrations()[0].sql));
    raw.exec("PRAGMA user_version=1; PRAGMA application_id=" + std::to_string(k_application_id));
    raw.exec(
        "INSERT INTO runs (uuid, started_unix, ended_unix, argv, workers, schedule, shard, python_version, "
        "host, git_commit, predicted_makespan_s) VALUES ('old', 1, 2, '', 1, '', '', '', '', '', 0);"
        "INSERT INTO results VALUES (1, 'c.py::old', 'c.py', 1, 0, 7.0, 0, 0, 0, '')");
  }
  const std::string before = read_bytes(v1);
  const fs::path out = merged({shard_a(), v1}, "out.db");
  EXPECT_EQ(read_bytes(v1), before);
  auto s = std::move(HistoryStore::open(out)).value();
  EXPECT_NEAR(seconds_by_id(s->history()).at("c.py::old"), 7.0, 1e-6);
}

TEST_F(StoreMergeTest, ExportWritesOneSelfContainedFile) {
  auto s = std::move(HistoryStore::open(shard_a())).value();
  record_run(shard_a(), {result("a.py::t9", Outcome::passed, 1)});  // leaves pages in the WAL
  const fs::path out = m_dir / "export" / "out.db";
  ASSERT_TRUE(s->export_to(out).ok());
  EXPECT_FALSE(fs::exists(out.string() + "-wal"));
  for (const auto& e : fs::directory_iterator(out.parent_path())) EXPECT_EQ(e.path(), out);  // no temp left over
  auto report = HistoryStore::check(out);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problems[0];
  checkpoint(shard_a());
  EXPECT_EQ(canonical_dump(out), canonical_dump(shard_a()));
  ASSERT_TRUE(s->export_to(out).ok());         // overwrites
  EXPECT_FALSE(s->export_to(shard_a()).ok());  // never onto the open file itself
}

TEST_F(StoreMergeTest, CheckReportsVersionApplicationIdAndProblems) {
  auto good = HistoryStore::check(shard_a());
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(good->ok);
  EXPECT_EQ(good->schema_version, latest_schema_version());
  EXPECT_EQ(good->application_id, k_application_id);

  testing::write_bytes(m_dir / "png.db", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(600, 'x'));
  auto bad = HistoryStore::check(m_dir / "png.db");
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad->ok);
  EXPECT_TRUE(fs::exists(m_dir / "png.db"));  // check never moves or writes

  {
    SQLite::Database raw(shard_b(), SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA user_version = 77");
  }
  auto newer = HistoryStore::check(shard_b());
  ASSERT_TRUE(newer.ok());
  EXPECT_FALSE(newer->ok);
  EXPECT_EQ(newer->schema_version, 77);
  EXPECT_FALSE(HistoryStore::check(m_dir / "missing.db").ok());
}

}  // namespace
}  // namespace fastest::store
