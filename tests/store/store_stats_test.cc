// Statistics kept by the store for the planner and `fastest stats`, retention, and the
// 0001 -> 0002 upgrade, against real SQLite.
#include <gtest/gtest.h>

#include <cmath>

#include "store/history_store.h"
#include "store/schema.h"
#include "store/store_test_util.h"

namespace fastest::store {
namespace {

using base::Outcome;
using base::TestResult;
using testing::open_concurrently;
using testing::query_int;
using testing::TempDir;

using testing::result;
using testing::seconds_by_id;

/// Records one finished run holding `results`; returns its id.
std::int64_t record_run(HistoryStore& s, const std::vector<TestResult>& results, int workers = 1, double makespan = 0) {
  RunInfo info;
  info.workers = workers;
  info.predicted_makespan_s = makespan * 0.9;
  auto run = s.begin_run(info);
  EXPECT_TRUE(run.ok());
  EXPECT_TRUE(s.record_results(*run, results).ok());
  RunEnd end;
  end.actual_makespan_s = makespan;
  EXPECT_TRUE(s.finish_run(*run, end).ok());
  return *run;
}

std::unique_ptr<HistoryStore> memory_store() { return std::move(HistoryStore::open_memory()).value(); }

TEST(StoreStats, EstimateIsTheMedianSoOneOutlierDoesNotMoveIt) {
  auto s = memory_store();
  for (double d : {1.0, 1.1, 0.9, 100.0, 1.0}) record_run(*s, {result("a.py::t", Outcome::passed, d)});
  const History h = s->history();
  EXPECT_NEAR(seconds_by_id(h).at("a.py::t"), 1.0, 1e-6);
  auto slow = s->slowest_tests(10);
  ASSERT_TRUE(slow.ok());
  ASSERT_EQ(slow->size(), 1u);
  EXPECT_EQ((*slow)[0].runs, 5);
  EXPECT_NEAR(*(*slow)[0].last_s, 1.0, 1e-9);
  EXPECT_LT((*slow)[0].spread_s, 0.2);
  EXPECT_EQ((*slow)[0].recent.size(), 5u);
}

TEST(StoreStats, RecentWindowKeepsTheLastSixteenDurations) {
  auto s = memory_store();
  for (int i = 0; i < 20; ++i) record_run(*s, {result("a.py::t", Outcome::passed, i < 10 ? 1.0 : 3.0)});
  auto slow = s->slowest_tests(1);
  ASSERT_TRUE(slow.ok());
  EXPECT_EQ((*slow)[0].recent.size(), 16u);
  EXPECT_NEAR((*slow)[0].estimate_s, 3.0, 1e-6);  // 10 of the last 16 are 3 s
  EXPECT_GT((*slow)[0].trend, 1.5);               // slower lately
}

TEST(StoreStats, FlipsCountPassFailChangesAndIgnoreSkips) {
  auto s = memory_store();
  for (Outcome o : {Outcome::passed, Outcome::failed, Outcome::passed, Outcome::skipped, Outcome::crashed}) {
    record_run(*s, {result("a.py::flaky", o, 0.1), result("a.py::steady", Outcome::passed, 0.1)});
  }
  auto flaky = s->flaky_tests(10);
  ASSERT_TRUE(flaky.ok());
  ASSERT_EQ(flaky->size(), 1u);
  EXPECT_EQ((*flaky)[0].node_id, "a.py::flaky");
  EXPECT_EQ((*flaky)[0].flips, 3);
  EXPECT_EQ((*flaky)[0].failures, 2);
  EXPECT_EQ((*flaky)[0].last_outcome, Outcome::crashed);
  EXPECT_EQ(s->last_failed(), std::vector<std::string>{"a.py::flaky"});
}

TEST(StoreStats, RejectedDurationsCountTheRunButNotTheEstimate) {
  auto s = memory_store();
  record_run(*s, {result("a.py::t", Outcome::passed, 2.0)});
  record_run(*s, {result("a.py::t", Outcome::passed, std::nan(""))});
  record_run(*s, {result("a.py::t", Outcome::passed, -50)});
  auto slow = s->slowest_tests(1);
  ASSERT_TRUE(slow.ok());
  EXPECT_EQ((*slow)[0].runs, 3);
  EXPECT_DOUBLE_EQ((*slow)[0].estimate_s, 2.0);
  EXPECT_EQ((*slow)[0].recent.size(), 1u);
}

TEST(StoreStats, ModuleOverheadsAndSlowestModules) {
  auto s = memory_store();
  auto run = s->begin_run(RunInfo{});
  ASSERT_TRUE(run.ok());
  std::vector<TestResult> rs = {result("a.py::x", Outcome::passed, 1.0), result("a.py::y", Outcome::passed, 2.0),
                                result("b.py::z", Outcome::passed, 0.5)};
  ASSERT_TRUE(s->record_results(*run, rs).ok());
  std::vector<ModuleCost> mods = {{"a.py", 0, 0, 0.5, 0.25}, {"b.py", 0, 1, std::nan(""), 0.1}};
  ASSERT_TRUE(s->record_modules(*run, mods).ok());
  ASSERT_TRUE(s->finish_run(*run, RunEnd{}).ok());
  const History h = s->history();
  EXPECT_NEAR(h.module_overhead_seconds.at("a.py"), 0.75, 1e-6);
  EXPECT_EQ(h.module_overhead_seconds.count("b.py"), 0u);  // NaN import time: unknown
  auto m = s->slowest_modules(10);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].file, "a.py");
  EXPECT_EQ((*m)[0].tests, 2);
  EXPECT_NEAR((*m)[0].estimate_s, 3.75, 1e-5);
  EXPECT_NEAR((*m)[0].overhead_s, 0.75, 1e-6);
  EXPECT_EQ((*m)[1].file, "b.py");
}

TEST(StoreStats, RecentRunsReportPredictedActualAndBalance) {
  auto s = memory_store();
  record_run(*s, {result("a.py::x", Outcome::passed, 3.0), result("a.py::y", Outcome::failed, 1.0)}, 2, 2.5);
  auto runs = s->recent_runs(5);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  const RunSummary& r = (*runs)[0];
  EXPECT_EQ(r.uuid.size(), 32u);
  ASSERT_TRUE(r.end.has_value());
  EXPECT_DOUBLE_EQ(r.end->actual_makespan_s, 2.5);
  EXPECT_DOUBLE_EQ(r.info.predicted_makespan_s, 2.25);
  EXPECT_DOUBLE_EQ(r.work_s, 4.0);
  EXPECT_DOUBLE_EQ(r.balance, 4.0 / (2 * 2.5));
}

TEST(StoreStats, BatchTimelineRoundTrips) {
  auto s = memory_store();
  auto run = s->begin_run(RunInfo{});
  ASSERT_TRUE(run.ok());
  std::vector<BatchSpan> spans = {{1, "b.py", 0.0, 2.0, 3},
                                  {0, "a.py", 0.1, 1.5, 2},
                                  {0, "c.py", 1.5, 4.0, 1},
                                  {0, "bad.py", 5.0, std::nan(""), 1}};
  ASSERT_TRUE(s->record_batches(*run, spans).ok());
  auto got = s->batches(*run);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].module, "a.py");
  EXPECT_EQ((*got)[1].module, "c.py");
  EXPECT_EQ((*got)[2].worker, 1);
  EXPECT_DOUBLE_EQ((*got)[2].end_s, 2.0);
}

TEST(StoreRetention, PruneKeepsTheLastRunsResultsAndForgetsVanishedTests) {
  TempDir dir;
  auto s = std::move(HistoryStore::open(dir / "h.db")).value();
  s->set_retention(1000);
  record_run(*s, {result("a.py::gone", Outcome::passed, 1.0), result("a.py::t", Outcome::passed, 1.0)});
  for (int i = 0; i < 4; ++i) record_run(*s, {result("a.py::t", Outcome::passed, 2.0)});
  auto deleted = s->prune(2);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 4);  // 2 from the first run, 1 each from the next two
  SQLite::Database raw(dir / "h.db", SQLite::OPEN_READONLY);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM results"), 2);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM runs"), 5);  // run rows stay (identity, stats)
  const History h = s->history();
  EXPECT_EQ(seconds_by_id(h).count("a.py::gone"), 0u);
  EXPECT_NEAR(seconds_by_id(h).at("a.py::t"), 2.0, 1e-6);
  auto slow = s->slowest_tests(5);
  ASSERT_TRUE(slow.ok());
  ASSERT_EQ(slow->size(), 1u);
  EXPECT_EQ((*slow)[0].runs, 5);  // folded in before the results were pruned
  // The store keeps working after a prune (node ids of forgotten tests are gone).
  record_run(*s, {result("a.py::gone", Outcome::passed, 3.0)});
  EXPECT_NEAR(seconds_by_id(s->history()).at("a.py::gone"), 3.0, 1e-6);
}

// The connection does not enforce foreign keys (open_db.h, enforce_foreign_keys): every
// reference the store writes must hold by construction, and forgotten tests' series rows
// go with their nodes as the cascade did.
TEST(StoreRetention, EveryReferenceHoldsAfterRecordingAndPruning) {
  TempDir dir;
  {
    auto s = std::move(HistoryStore::open(dir / "h.db")).value();
    s->set_retention(2);
    TestResult first_try = result("a.py::flaky", Outcome::failed, 0.5);
    first_try.attempt = 1;
    auto run = s->begin_run(RunInfo{});
    ASSERT_TRUE(run.ok());
    const std::vector<TestResult> results = {result("a.py::gone", Outcome::passed, 1.0),
                                             result("a.py::flaky", Outcome::flaky, 1.0),
                                             result("a.py::gone", Outcome::passed, 1.5)};  // a repeat
    ASSERT_TRUE(s->record_results(*run, results, {&first_try, 1}).ok());
    ASSERT_TRUE(s->record_modules(*run, std::vector<ModuleCost>{{"a.py", 0, 0, 0.1, 0.0}}).ok());
    ASSERT_TRUE(s->finish_run(*run, RunEnd{}).ok());
    for (int i = 0; i < 3; ++i) record_run(*s, {result("a.py::flaky", Outcome::passed, 1.0)});
    auto last = s->begin_run(RunInfo{});
    ASSERT_TRUE(last.ok());
    ASSERT_TRUE(s->record_batches(*last, std::vector<BatchSpan>{{0, "a.py", 0.0, 1.0, 3}}).ok());
    ASSERT_TRUE(s->finish_run(*last, RunEnd{}).ok());
    EXPECT_FALSE(s->record_batches(424242, std::vector<BatchSpan>{{0, "a.py", 0.0, 1.0, 3}}).ok());
  }
  SQLite::Database raw(dir / "h.db", SQLite::OPEN_READONLY);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM nodes WHERE node_id = 'a.py::gone'"), 0);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM series"), 1);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM batches"), 1);
  SQLite::Statement check(raw, "PRAGMA foreign_key_check");
  EXPECT_FALSE(check.executeStep()) << check.getColumn(0).getString();
}

TEST(StoreRetention, FinishRunPrunesToTheConfiguredRetention) {
  TempDir dir;
  auto s = std::move(HistoryStore::open(dir / "h.db")).value();
  s->set_retention(3);
  for (int i = 0; i < 6; ++i) record_run(*s, {result("a.py::t", Outcome::passed, 1.0)});
  SQLite::Database raw(dir / "h.db", SQLite::OPEN_READONLY);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM results"), 3);
}

TEST(StoreConcurrency, TwoConnectionsKeepStatisticsConsistent) {
  TempDir dir;
  auto a = std::move(HistoryStore::open(dir / "h.db")).value();
  auto b = std::move(HistoryStore::open(dir / "h.db")).value();
  for (int i = 0; i < 3; ++i) {
    record_run(*a, {result("a.py::t", Outcome::passed, 1.0)});
    record_run(*b, {result("a.py::t", Outcome::failed, 1.0)});
  }
  auto slow = a->slowest_tests(1);
  ASSERT_TRUE(slow.ok());
  EXPECT_EQ((*slow)[0].runs, 6);
  EXPECT_EQ((*slow)[0].flips, 5);
  EXPECT_EQ(a->last_failed(), std::vector<std::string>{"a.py::t"});
}

/// A schema-1 database as fastest 0.1 wrote it, with two runs of two tests.
void write_version_1(const std::filesystem::path& path) {
  SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  raw.exec("PRAGMA journal_mode=WAL");
  raw.exec(std::string(migrations()[0].sql));
  raw.exec("PRAGMA user_version=1; PRAGMA application_id=" + std::to_string(k_application_id));
  raw.exec(
      "INSERT INTO runs (id, uuid, started_unix, ended_unix, argv, workers, schedule, shard, python_version, host, "
      "git_commit, predicted_makespan_s, actual_makespan_s, exit_status, passed, failed, errors, skipped) VALUES "
      "(1, 'aaaa', 100, 110, 'fastest', 2, 'fifo', '', '3.11', 'h', '', 0, 10, 1, 1, 1, 0, 0),"
      "(2, 'bbbb', 200, 210, 'fastest', 2, 'history', '', '3.11', 'h', '', 9, 9.5, 0, 2, 0, 0, 0);"
      "INSERT INTO results VALUES (1, 't.py::a', 't.py', 1, 0, 1.0, 0, 0, 0, ''),"
      "(1, 't.py::b', 't.py', 2, 0, 4.0, 0, 1, 0, 'boom'),"
      "(2, 't.py::a', 't.py', 1, 0, 3.0, 0, 0, 0, ''),"
      "(2, 't.py::b', 't.py', 1, 0, NULL, 0, 1, 0, '');"
      "INSERT INTO files VALUES ('t.py', 10, 20, 30, NULL, NULL);"
      "INSERT INTO tests VALUES ('t.py', 0, 't.py::a', '', 'a', 1, '', 0)");
}

TEST(StoreMigration, UpgradesAVersion1Database) {
  TempDir dir;
  const auto path = dir / "h.db";
  write_version_1(path);
  auto s = HistoryStore::open(path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE((*s)->warnings().empty()) << (*s)->warnings()[0];
  EXPECT_EQ((*s)->schema_version(), latest_schema_version());
  EXPECT_EQ((*s)->run_count(), 2);
  const auto last = (*s)->last_durations();
  EXPECT_DOUBLE_EQ(last.at("t.py::a"), 3.0);
  EXPECT_DOUBLE_EQ(last.at("t.py::b"), 4.0);  // run 2's duration was rejected
  const History h = (*s)->history();
  EXPECT_NEAR(seconds_by_id(h).at("t.py::a"), 2.0, 1e-6);  // median of 1 and 3
  auto flaky = (*s)->flaky_tests(5);
  ASSERT_TRUE(flaky.ok());
  ASSERT_EQ(flaky->size(), 1u);
  EXPECT_EQ((*flaky)[0].node_id, "t.py::b");
  EXPECT_FALSE((*s)->cached_file("t.py").has_value());  // version 6 drops the cache: parsed again
  record_run(**s, {result("t.py::a", Outcome::passed, 2.0)});
  EXPECT_EQ((*s)->run_count(), 3);
}

TEST(StoreMigration, RacingOpenersUpgradeOnce) {
  TempDir dir;
  const auto path = dir / "h.db";
  write_version_1(path);
  for (const std::string& p : open_concurrently(path, 6)) EXPECT_EQ(p, "");
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM results"), 4);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM test_stats"), 2);
  EXPECT_EQ(query_int(raw, "SELECT n FROM test_stats s JOIN nodes n ON n.id = s.node WHERE node_id = 't.py::a'"), 2);
  EXPECT_EQ(testing::query_text(raw, "PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace fastest::store
