// A test run more than once in one run (pytest's duplicate arguments): every result kept
// (schema 7), the first as the test's result, the 0006 -> 0007 upgrade, retention and merges.
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
using testing::TempDir;

std::int64_t record(HistoryStore& s, const std::vector<TestResult>& results) {
  auto run = s.begin_run(RunInfo{});
  EXPECT_TRUE(run.ok());
  // Two writes, as a run flushes while results arrive: a repeat may come in a later one.
  const std::size_t half = results.size() / 2;
  EXPECT_TRUE(s.record_results(*run, std::span(results).first(half)).ok());
  EXPECT_TRUE(s.record_results(*run, std::span(results).subspan(half)).ok());
  EXPECT_TRUE(s.finish_run(*run, RunEnd{}).ok());
  return *run;
}

TEST(StoreRepeats, EveryResultOfATestRunTwiceIsKeptAndTheFirstIsItsResult) {
  TempDir dir;
  auto s = std::move(HistoryStore::open(dir / "h.db")).value();
  record(*s, {result("t.py::a", Outcome::passed, 1.0), result("t.py::b", Outcome::passed, 1.0),
              result("t.py::a", Outcome::failed, 2.0), result("t.py::a", Outcome::passed, 3.0)});
  SQLite::Database raw(dir / "h.db", SQLite::OPEN_READONLY);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM results"), 2);
  EXPECT_EQ(query_int(raw, "SELECT outcome FROM results r JOIN nodes n ON n.id = r.node WHERE n.node_id = 't.py::a'"),
            static_cast<int>(Outcome::passed));
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM repeats"), 2);
  EXPECT_EQ(query_int(raw, "SELECT outcome FROM repeats WHERE seq = 2"), static_cast<int>(Outcome::failed));
  EXPECT_EQ(query_int(raw, "SELECT call_us FROM repeats WHERE seq = 3"), 3'000'000);
  EXPECT_EQ(query_int(raw, "SELECT n FROM test_stats s JOIN nodes n ON n.id = s.node WHERE n.node_id = 't.py::a'"), 1);
}

TEST(StoreRepeats, AVersion6FileUpgradesAsItIs) {
  TempDir dir;
  const auto path = dir / "v6.db";
  testing::write_at_version(path, 6);
  auto s = HistoryStore::open(path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE((*s)->warnings().empty()) << (*s)->warnings()[0];
  EXPECT_EQ((*s)->schema_version(), latest_schema_version());
  record(**s, {result("t.py::a", Outcome::passed, 1.0), result("t.py::a", Outcome::passed, 1.0)});
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(query_int(raw, "SELECT count(*) FROM repeats"), 1);
}

TEST(StoreRepeats, PruningDropsOldRepeatsAndMergingCopiesThem) {
  TempDir dir;
  auto a = std::move(HistoryStore::open(dir / "a.db")).value();
  a->set_retention(2);
  for (int i = 0; i < 3; ++i)
    record(*a, {result("t.py::a", Outcome::passed, 1.0), result("t.py::a", Outcome::failed, 1.0)});
  {
    SQLite::Database raw(dir / "a.db", SQLite::OPEN_READONLY);
    EXPECT_EQ(query_int(raw, "SELECT count(*) FROM repeats"), 2);
  }
  EXPECT_EQ(testing::merge_twice_and_count(dir, dir / "a.db", "SELECT count(*) FROM repeats"), 2);
}

}  // namespace
}  // namespace fastest::store
