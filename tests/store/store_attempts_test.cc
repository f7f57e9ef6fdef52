// --reruns in the store: every failed attempt kept (schema 4), flaky verdicts, the 0003 -> 0004
// upgrade of a copy of an old file, retention and merges of attempts.
#include <gtest/gtest.h>

#include "store/history_store.h"
#include "store/schema.h"
#include "store/store_test_util.h"

namespace fastest::store {
namespace {

using base::Outcome;
using base::TestResult;
using testing::query_int;
using testing::result;
using testing::seconds_by_id;
using testing::TempDir;

TestResult attempt(const std::string& node, Outcome o, int n) {
  TestResult r = result(node, o, 0.5);
  r.attempt = n;
  r.message = "attempt " + std::to_string(n);
  return r;
}

/// One finished run: `results`, and `attempts` as failed attempts before them.
std::int64_t record(HistoryStore& s, const std::vector<TestResult>& results, const std::vector<TestResult>& attempts,
                    const std::string& commit = "") {
  RunInfo info;
  info.git_commit = commit;
  auto run = s.begin_run(info);
  EXPECT_TRUE(run.ok());
  EXPECT_TRUE(s.record_results(*run, results, attempts).ok());
  EXPECT_TRUE(s.finish_run(*run, RunEnd{}).ok());
  return *run;
}

/// A schema-3 database (the version before attempts), with one run of two tests.
void write_version_3(const std::filesystem::path& path) {
  testing::write_at_version(
      path, 3,
      "INSERT INTO runs (id, uuid, started_unix, ended_unix, argv, workers, schedule, shard, python_version, host, "
      "git_commit, predicted_makespan_s, actual_makespan_s, exit_status, passed, failed, errors, skipped) VALUES "
      "(1, 'aaaa', 100, 110, 'fastest', 2, 'fifo', '', '3.11', 'h', 'c1', 0, 10, 1, 1, 1, 0, 0);"
      "INSERT INTO nodes VALUES (1, 't.py::a', 't.py'), (2, 't.py::b', 't.py');"
      "INSERT INTO results VALUES (1, 1, 1, 0, 1.0, 0, 0, 0, ''), (1, 2, 2, 0, 4.0, 0, 1, 0, 'boom');");
}

TEST(StoreMigration, UpgradesAVersion3CopyAndKeepsItsHistory) {
  TempDir dir;
  const auto path = dir / "h.db";
  write_version_3(path);
  auto s = HistoryStore::open(path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE((*s)->warnings().empty()) << (*s)->warnings()[0];
  EXPECT_EQ((*s)->schema_version(), latest_schema_version());
  EXPECT_EQ((*s)->run_count(), 1);
  record(**s, {result("t.py::a", Outcome::flaky, 1.0)}, {attempt("t.py::a", Outcome::failed, 1)});
  auto check = HistoryStore::check(path);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok) << (check->problems.empty() ? "" : check->problems[0]);
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM results"), 3);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM attempts"), 1);
}

TEST(StoreAttempts, EveryFailedAttemptIsKeptWithItsNumberAndTheVerdictIsFlaky) {
  TempDir dir;
  const auto path = dir / "h.db";
  auto f = std::move(HistoryStore::open(path)).value();
  record(*f, {result("t.py::a", Outcome::flaky, 1.0), result("t.py::b", Outcome::failed, 1.0)},
         {attempt("t.py::a", Outcome::failed, 1), attempt("t.py::a", Outcome::crashed, 2),
          attempt("t.py::b", Outcome::failed, 1)});
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM attempts"), 3);
  EXPECT_EQ(query_int(raw,
                      "SELECT outcome FROM attempts a JOIN nodes n ON n.id = a.node "
                      "WHERE n.node_id = 't.py::a' AND attempt = 2"),
            static_cast<int>(Outcome::crashed));
  EXPECT_EQ(query_int(raw, "SELECT outcome FROM results r JOIN nodes n ON n.id = r.node WHERE n.node_id = 't.py::a'"),
            9);
  // A flaky verdict is a pass for the planner and for --lf.
  EXPECT_EQ(f->last_failed(), std::vector<std::string>{"t.py::b"});
}

TEST(StoreAttempts, AnAttemptOfATestNeverSeenBeforeGetsItsNode) {
  auto s = std::move(HistoryStore::open_memory()).value();
  // The run was killed between the rerun and the final result: the attempt alone is kept.
  record(*s, {}, {attempt("new.py::t", Outcome::failed, 1)});
  record(*s, {result("new.py::t", Outcome::passed, 1.0)}, {});
  EXPECT_EQ(seconds_by_id(s->history()).count("new.py::t"), 1u);
}

TEST(StoreAttempts, PruningDropsOldAttemptsAndMergingCopiesThem) {
  TempDir dir;
  auto a = std::move(HistoryStore::open(dir / "a.db")).value();
  a->set_retention(2);
  for (int i = 0; i < 3; ++i)
    record(*a, {result("t.py::a", Outcome::flaky, 1.0)}, {attempt("t.py::a", Outcome::failed, 1)});
  {
    SQLite::Database raw(dir / "a.db", SQLite::OPEN_READONLY);
    EXPECT_EQ(query_int(raw, "SELECT count(*) FROM attempts"), 2);
  }
  EXPECT_EQ(testing::merge_twice_and_count(dir, dir / "a.db", "SELECT count(*) FROM attempts"), 2);
}

TEST(StoreFlakiness, FlipRateCountsChangesBetweenRunsAndFlakyVerdictsAndNamesTheLastCommit) {
  auto s = std::move(HistoryStore::open_memory()).value();
  const Outcome a[] = {Outcome::passed, Outcome::failed, Outcome::passed, Outcome::flaky, Outcome::skipped};
  for (int i = 0; i < 5; ++i) {
    std::vector<TestResult> attempts;
    if (a[i] == Outcome::flaky) attempts.push_back(attempt("t.py::a", Outcome::failed, 1));
    record(*s, {result("t.py::a", a[i], 1.0), result("t.py::steady", Outcome::passed, 1.0)}, attempts,
           "c" + std::to_string(i + 1));
  }
  auto rows = s->flakiness(10);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);  // the steady test never flipped
  const FlakyStat& f = (*rows)[0];
  EXPECT_EQ(f.node_id, "t.py::a");
  EXPECT_EQ(f.runs, 4);  // the skip says nothing
  EXPECT_EQ(f.flips, 2);
  EXPECT_EQ(f.flaky, 1);
  EXPECT_DOUBLE_EQ(f.flip_rate, 0.75);
  EXPECT_EQ(f.last_commit, "c4");
  EXPECT_TRUE(s->flakiness(10, 0.8)->empty());
  EXPECT_EQ(s->kept_runs(), 5);
}

}  // namespace
}  // namespace fastest::store
