// Schema 5: results with integer microsecond durations, and the per-test duration series
// kept at write time (what `stats --regressions` and the planner's environment keys read).
#include <gtest/gtest.h>

#include <limits>

#include "store/history_store.h"
#include "store/schema.h"
#include "store/stats.h"
#include "store/store_test_util.h"

namespace fastest::store {
namespace {

using base::Outcome;
using testing::query_int;
using testing::result;
using testing::seconds_by_id;
using testing::TempDir;

void record(HistoryStore& s, const std::vector<base::TestResult>& results) {
  RunInfo info;
  info.python_version = "3.11.2";
  info.host = "ci";
  testing::record_run(s, results, info);
}

std::vector<Sample> series_of(const std::filesystem::path& path, const std::string& node) {
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  SQLite::Statement q(raw, "SELECT s.samples FROM series s JOIN nodes n ON n.id = s.node WHERE n.node_id = ?");
  q.bind(1, node);
  if (!q.executeStep()) return {};
  const SQLite::Column b = q.getColumn(0);
  return decode_samples(b.getBlob(), static_cast<std::size_t>(b.getBytes()));
}

/// A schema-4 database with one run of two tests (REAL seconds in results).
void write_version_4(const std::filesystem::path& path) {
  testing::write_at_version(
      path, 4,
      "INSERT INTO runs (id, uuid, started_unix, ended_unix, argv, workers, schedule, shard, python_version, host, "
      "git_commit, predicted_makespan_s, actual_makespan_s, exit_status, passed, failed, errors, skipped) VALUES "
      "(1, 'aaaa', 100, 110, 'fastest', 2, 'fifo', '', '3.11', 'h', 'c1', 0, 10, 1, 1, 1, 0, 0);"
      "INSERT INTO nodes VALUES (1, 't.py::a', 't.py'), (2, 't.py::b', 't.py');"
      "INSERT INTO results VALUES (1, 1, 1, 0.000001, 1.25, 0, 0, 0.5, ''), (1, 2, 2, NULL, 4.0, 0, 1, 0, 'boom');");
}

TEST(StoreMigration, UpgradesAVersion4CopyToMicrosecondsAndFillsTheSeries) {
  TempDir dir;
  const auto path = dir / "h.db";
  write_version_4(path);
  {
    auto s = HistoryStore::open(path);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_TRUE((*s)->warnings().empty()) << (*s)->warnings()[0];
    EXPECT_EQ((*s)->schema_version(), latest_schema_version());
  }
  auto v =
      HistoryStore::query(path, "SELECT duration_s, call_s, start_offset_s FROM v_results WHERE node_id = 't.py::a'");
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_EQ(v->rows.size(), 1u);
  EXPECT_EQ(v->rows[0][0], "1.250001");
  EXPECT_EQ(v->rows[0][1], "1.25");
  EXPECT_EQ(v->rows[0][2], "0.5");
  {
    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    EXPECT_EQ(query_int(raw, "SELECT call_us FROM results WHERE node = 1"), 1'250'000);
    EXPECT_EQ(query_int(raw, "SELECT setup_us FROM results WHERE node = 1"), 1);
    EXPECT_EQ(query_int(raw, "SELECT start_ms FROM results WHERE node = 1"), 500);
    EXPECT_EQ(query_int(raw, "SELECT count(*) FROM results WHERE node = 2 AND setup_us IS NULL"), 1);
  }
  auto a = series_of(path, "t.py::a");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].run_tag, 1);
  EXPECT_TRUE(a[0].passed);
  EXPECT_FLOAT_EQ(a[0].seconds, 1.250001f);
  EXPECT_TRUE(series_of(path, "t.py::b").empty());  // a rejected phase: no duration, no sample
  auto check = HistoryStore::check(path);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok) << (check->problems.empty() ? "" : check->problems[0]);
}

TEST(StoreSeries, OneSamplePerTimedResultCappedAtTheRetentionWithTheVerdictInTheSign) {
  TempDir dir;
  const auto path = dir / "h.db";
  {
    auto s = std::move(HistoryStore::open(path)).value();
    s->set_retention(3);
    for (int run = 0; run < 5; ++run) {
      record(*s, {result("t.py::a", run == 4 ? Outcome::failed : Outcome::passed, 0.1 * (run + 1)),
                  result("t.py::s", Outcome::skipped, 0)});
    }
  }
  auto a = series_of(path, "t.py::a");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_FLOAT_EQ(a[0].seconds, 0.3f);
  EXPECT_TRUE(a[1].passed);
  EXPECT_FALSE(a[2].passed);
  EXPECT_FLOAT_EQ(a[2].seconds, 0.5f);
  EXPECT_EQ(a[2].run_tag, 5);
  auto skipped = series_of(path, "t.py::s");
  ASSERT_EQ(skipped.size(), 3u);
  EXPECT_FALSE(skipped[0].passed);  // -0.0: a zero duration keeps its verdict
}

TEST(StoreSeries, DecodingAForeignBlobDropsAPartialSampleAndBadValues) {
  std::string blob = "xy";  // a partial sample in front
  append_sample(blob, 7, 0.25, true);
  append_sample(blob, 8, std::numeric_limits<double>::infinity(), true);
  append_sample(blob, 70'000, 1.5, false);
  auto s = decode_samples(blob.data(), blob.size());
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].run_tag, 7);
  EXPECT_FLOAT_EQ(s[0].seconds, 0.25f);
  EXPECT_EQ(s[1].run_tag, 70'000 & 0xffff);
  EXPECT_FALSE(s[1].passed);
}

TEST(StoreSeries, RegressionsIgnoreSamplesOfRunsNoLongerKept) {
  auto s = std::move(HistoryStore::open_memory()).value();
  s->set_retention(6);
  // Fast, then 10x slower for six runs: once the fast runs are pruned, nothing changed.
  for (int run = 0; run < 12; ++run) record(*s, {result("t.py::a", Outcome::passed, run < 6 ? 0.01 : 0.1)});
  auto r = s->regressions(1.5);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(StoreRetention, ByAgeDropsTheResultsOfOldRunsButNeverTheNewestRun) {
  TempDir dir;
  const auto path = dir / "h.db";
  {
    auto s = std::move(HistoryStore::open(path)).value();
    for (int i = 0; i < 3; ++i) record(*s, {result("t.py::a", Outcome::passed, 1.0)});
  }
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("UPDATE runs SET started_unix = started_unix - 10 * 86400 WHERE id < 3");
  }
  auto s = std::move(HistoryStore::open(path)).value();
  auto pruned = s->prune(30, 7);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 2);
  EXPECT_EQ(s->kept_runs(), 1);
  EXPECT_TRUE(s->compact().ok());
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("UPDATE runs SET started_unix = started_unix - 10 * 86400");
  }
  auto again = s->prune(30, 7);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);  // the newest run is kept whatever its age
  EXPECT_EQ(s->kept_runs(), 1);
  EXPECT_EQ(seconds_by_id(s->history()).count("t.py::a"), 1u);
}

TEST(StoreEnvironments, ThePlannerPrefersItsEnvironmentAndScalesTheOthers) {
  auto s = std::move(HistoryStore::open_memory()).value();
  auto run_on = [&](const std::string& host, int workers, const std::vector<base::TestResult>& results) {
    RunInfo info;
    info.host = host;
    info.workers = workers;
    testing::record_run(*s, results, info);
  };
  // The laptop is twice as slow as CI; t.py::c only ever ran on CI.
  for (int i = 0; i < 3; ++i) {
    run_on("laptop", 2, {result("t.py::a", Outcome::passed, 1.0), result("t.py::b", Outcome::passed, 4.0)});
    run_on("ci", 8,
           {result("t.py::a", Outcome::passed, 0.5), result("t.py::b", Outcome::passed, 2.0),
            result("t.py::c", Outcome::failed, 0.25)});
  }
  auto laptop = seconds_by_id(s->history(Environment{"", "laptop", 2}));
  EXPECT_DOUBLE_EQ(laptop.at("t.py::a"), 1.0);
  EXPECT_DOUBLE_EQ(laptop.at("t.py::b"), 4.0);
  EXPECT_DOUBLE_EQ(laptop.at("t.py::c"), 0.5);
  auto ci = seconds_by_id(s->history(Environment{"", "ci", 8}));
  EXPECT_DOUBLE_EQ(ci.at("t.py::a"), 0.5);
  EXPECT_DOUBLE_EQ(ci.at("t.py::c"), 0.25);
  // An environment never seen: the mixed estimates, unscaled (nothing to measure a ratio by).
  auto fresh = seconds_by_id(s->history(Environment{"", "new-box", 2}));
  EXPECT_EQ(fresh, seconds_by_id(s->history()));
}

}  // namespace
}  // namespace fastest::store
