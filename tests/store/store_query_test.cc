// `fastest db query`: read-only SQL over the documented views.
#include <gtest/gtest.h>

#include "store/history_store.h"
#include "store/schema.h"
#include "store/store_test_util.h"

namespace fastest::store {
namespace {

using base::Outcome;
using testing::read_bytes;
using testing::result;
using testing::TempDir;

std::filesystem::path one_run(const TempDir& dir) {
  const auto path = dir / "h.db";
  auto s = std::move(HistoryStore::open(path)).value();
  RunInfo info;
  info.git_commit = "abc";
  auto run = s->begin_run(info);
  base::TestResult failed_once = result("t.py::b", Outcome::failed, 0.5);
  failed_once.attempt = 1;
  const std::vector<base::TestResult> results{result("t.py::a", Outcome::passed, 1.0),
                                              result("t.py::b", Outcome::flaky, 2.0)};
  const std::vector<base::TestResult> attempts{failed_once};
  EXPECT_TRUE(s->record_results(*run, results, attempts).ok());
  EXPECT_TRUE(s->finish_run(*run, RunEnd{}).ok());
  return path;
}

TEST(StoreQuery, ViewsAnswerWithOutcomeWordsAndAttempts) {
  TempDir dir;
  const auto path = one_run(dir);
  auto r = HistoryStore::query(path, "SELECT node_id, outcome, attempts, git_commit FROM v_results ORDER BY node_id");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->columns, (std::vector<std::string>{"node_id", "outcome", "attempts", "git_commit"}));
  ASSERT_EQ(r->rows.size(), 2u);
  EXPECT_EQ(r->rows[1][0], "t.py::b");
  EXPECT_EQ(r->rows[1][1], "flaky");
  EXPECT_EQ(r->rows[1][2], "2");
  EXPECT_EQ(r->rows[1][3], "abc");
  for (const char* view : {"v_runs", "v_tests", "v_modules", "v_attempts"}) {
    auto q = HistoryStore::query(path, std::string("SELECT count(*) FROM ") + view);
    ASSERT_TRUE(q.ok()) << view << ": " << q.error().message;
    EXPECT_NE(q->rows[0][0], "0") << view;
  }
}

TEST(StoreQuery, AWritingStatementIsRefusedAndTheFileIsUnchanged) {
  TempDir dir;
  const auto path = one_run(dir);
  const std::string before = read_bytes(path);
  for (const char* sql : {"DELETE FROM runs", "UPDATE results SET outcome = 2", "DROP TABLE runs", "CREATE TABLE x (a)",
                          "INSERT INTO nodes (node_id, file) VALUES ('x', 'y')"}) {
    auto r = HistoryStore::query(path, sql);
    ASSERT_FALSE(r.ok()) << sql;
    EXPECT_EQ(r.error().code, base::ErrorCode::usage) << sql;
    EXPECT_NE(r.error().message.find("refused"), std::string::npos) << r.error().message;
  }
  EXPECT_EQ(read_bytes(path), before);
  auto s = std::move(HistoryStore::open(path)).value();
  EXPECT_EQ(s->run_count(), 1);
}

/// SQLite's EXPLAIN QUERY PLAN of `sql`, one step per line.
std::string plan_of(const std::filesystem::path& path, const std::string& sql) {
  auto plan = HistoryStore::query(path, "EXPLAIN QUERY PLAN " + sql);
  EXPECT_TRUE(plan.ok()) << plan.error().message;
  std::string text;
  if (plan.ok())
    for (const auto& row : plan->rows) text += row.back().value_or("") + "\n";
  return text;
}

// v_results's outcome comes from the schema's virtual column (schema/0008): its CASE must
// spell every outcome as base::outcome_name does, and `outcome = 'word'` must read the
// results_not_passed index (a partial index SQLite uses only when the filter implies it).
TEST(StoreQuery, OutcomeWordsMatchBaseAndFailuresAreReadFromTheIndex) {
  TempDir dir;
  const auto path = dir / "h.db";
  constexpr Outcome k_all[] = {Outcome::passed,  Outcome::failed,    Outcome::error,
                               Outcome::skipped, Outcome::xfailed,   Outcome::xpassed,
                               Outcome::crashed, Outcome::timed_out, Outcome::flaky};
  {
    auto s = std::move(HistoryStore::open(path)).value();
    for (int runs = 0; runs < 2; ++runs) {
      auto run = s->begin_run(RunInfo{});
      std::vector<base::TestResult> results;
      for (const Outcome o : k_all) results.push_back(result("t.py::" + std::string(base::outcome_name(o)), o, 0.1));
      ASSERT_TRUE(s->record_results(*run, results, {}).ok());
      ASSERT_TRUE(s->finish_run(*run, RunEnd{}).ok());
    }
  }
  for (const Outcome o : k_all) {
    const std::string word(base::outcome_name(o));
    const std::string where = " FROM v_results WHERE outcome = '" + word + "'";
    auto r = HistoryStore::query(path, "SELECT node_id, count(*)" + where + " GROUP BY node_id");
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->rows.size(), 1u) << word;
    EXPECT_EQ(r->rows[0][0], "t.py::" + word);
    EXPECT_EQ(r->rows[0][1], "2") << word;
    const std::string text = plan_of(path, "SELECT run, count(*)" + where + " GROUP BY run");
    if (o == Outcome::passed) {
      EXPECT_EQ(text.find("results_not_passed"), std::string::npos) << text;
    } else {
      EXPECT_NE(text.find("USING INDEX results_not_passed"), std::string::npos) << word << ":\n" << text;
    }
  }
  // Two words ORed (docs/store.md's advice) still read the index, and count both.
  const std::string either = " FROM v_results WHERE outcome = 'error' OR outcome = 'failed'";
  auto both = HistoryStore::query(path, "SELECT count(*)" + either);
  ASSERT_TRUE(both.ok()) << both.error().message;
  EXPECT_EQ(both->rows[0][0], "4");
  const std::string text = plan_of(path, "SELECT count(*)" + either);
  EXPECT_NE(text.find("USING INDEX results_not_passed"), std::string::npos) << text;
  EXPECT_EQ(text.find("SCAN r"), std::string::npos) << text;
}

// The 0007 -> 0008 upgrade: results written at version 7 get their word and the index, and
// a failure recorded before the upgrade is found through it.
TEST(StoreMigration, AVersion7FileGetsOutcomeWordsAndTheIndex) {
  TempDir dir;
  const auto path = dir / "v7.db";
  testing::write_at_version(
      path, 7,
      "INSERT INTO runs (id, uuid, started_unix, argv, workers, schedule, shard, python_version, host, "
      "git_commit, predicted_makespan_s) VALUES (1, '0123456789abcdef0123456789abcdef', 1.0, '', 1, 'lpt', "
      "'', '3.11', 'h', 'c7', 0);"
      "INSERT INTO nodes (id, node_id, file) VALUES (1, 't.py::a', 't.py'), (2, 't.py::b', 't.py');"
      "INSERT INTO results (run, node, outcome, worker, message) VALUES (1, 1, 1, 0, ''), (1, 2, 2, 0, 'x');");
  {
    auto s = HistoryStore::open(path);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_TRUE((*s)->warnings().empty()) << (*s)->warnings()[0];
    EXPECT_EQ((*s)->schema_version(), latest_schema_version());
  }
  const std::string where = " FROM v_results WHERE outcome = 'failed'";
  auto r = HistoryStore::query(path, "SELECT node_id, git_commit" + where);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(r->rows[0][0], "t.py::b");
  EXPECT_EQ(r->rows[0][1], "c7");
  EXPECT_NE(plan_of(path, "SELECT count(*)" + where).find("USING INDEX results_not_passed"), std::string::npos);
}

TEST(StoreQuery, MalformedSqlGetsSqlitesMessage) {
  TempDir dir;
  const auto path = one_run(dir);
  auto r = HistoryStore::query(path, "SELEC nonsense");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, base::ErrorCode::usage);
  EXPECT_NE(r.error().message.find("syntax error"), std::string::npos) << r.error().message;
  EXPECT_FALSE(HistoryStore::query(dir / "missing.db", "SELECT 1").ok());
}

}  // namespace
}  // namespace fastest::store
