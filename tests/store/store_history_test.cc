// The store's discovery cache and run recording, against real SQLite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "store/history_store.h"
#include "store/schema.h"
#include "store/store_test_util.h"

namespace fastest::store {
namespace {

using base::Outcome;
using base::TestResult;
using testing::seconds_by_id;
using testing::TempDir;

std::unique_ptr<HistoryStore> memory_store() {
  auto s = HistoryStore::open_memory();
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return std::move(s).value();
}

TestResult result(std::string node, Outcome o, double call_s, std::string file = "tests/test_a.py") {
  TestResult r;
  r.node_id = std::move(node);
  r.file = std::move(file);
  r.outcome = o;
  r.call_s = call_s;
  return r;
}

CachedFile sample_file() {
  CachedFile f;
  f.rel_path = "tests/test_a.py";
  f.size = 1234;
  f.mtime_ns = 1'700'000'000'123'456'789;
  f.content_hash = 0xfedcba9876543210ULL;  // above INT64_MAX: must survive the int64 column
  base::TestItem a;
  a.node_id = "tests/test_a.py::test_one";
  a.file = f.rel_path;
  a.function = "test_one";
  a.line = 3;
  base::TestItem b;
  b.node_id = "tests/test_a.py::TestK::test_two";
  b.file = f.rel_path;
  b.cls = "TestK";
  b.function = "test_two";
  b.line = 10;
  b.markers = {"parametrize", "slow"};
  b.parametrized = true;
  f.items = {a, b};
  return f;
}

TEST(StoreCache, CachedFileRoundTripsItemsInOrder) {
  auto store = memory_store();
  const CachedFile f = sample_file();
  ASSERT_TRUE(store->save_files({&f, 1}).ok());
  auto got = store->cached_file("tests/test_a.py");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->size, f.size);
  EXPECT_EQ(got->mtime_ns, f.mtime_ns);
  EXPECT_EQ(got->content_hash, f.content_hash);
  EXPECT_FALSE(got->error.has_value());
  ASSERT_EQ(got->items.size(), 2u);
  EXPECT_EQ(got->items[0].node_id, "tests/test_a.py::test_one");
  EXPECT_EQ(got->items[0].file, "tests/test_a.py");
  EXPECT_TRUE(got->items[0].markers.empty());
  EXPECT_EQ(got->items[1].cls, "TestK");
  EXPECT_EQ(got->items[1].line, 10);
  EXPECT_EQ(got->items[1].markers, (std::vector<std::string>{"parametrize", "slow"}));
  EXPECT_TRUE(got->items[1].parametrized);
  EXPECT_FALSE(store->cached_file("tests/other.py").has_value());
}

TEST(StoreCache, CachedFilesReadsEveryFileAsCachedFileDoes) {
  auto store = memory_store();
  CachedFile a = sample_file();
  CachedFile b;
  b.rel_path = "tests/test_b.py";
  b.size = 7;
  b.error = base::CollectionError{b.rel_path, 2, "invalid syntax"};
  CachedFile c;
  c.rel_path = "tests/conftest.py";
  c.facts = "encoded facts";
  c.parse_key = 42;
  const std::vector<CachedFile> files{a, b, c};
  ASSERT_TRUE(store->save_files(files).ok());
  auto all = store->cached_files();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(),
                             [](const CachedFile& x, const CachedFile& y) { return x.rel_path < y.rel_path; }));
  for (const auto& f : files) {
    auto one = store->cached_file(f.rel_path);
    ASSERT_TRUE(one.has_value());
    auto at = std::find_if(all.begin(), all.end(), [&](const CachedFile& x) { return x.rel_path == f.rel_path; });
    ASSERT_NE(at, all.end());
    const CachedFile& bulk = *at;
    EXPECT_EQ(bulk.rel_path, one->rel_path);
    EXPECT_EQ(bulk.size, one->size);
    EXPECT_EQ(bulk.mtime_ns, one->mtime_ns);
    EXPECT_EQ(bulk.content_hash, one->content_hash);
    EXPECT_EQ(bulk.parse_key, one->parse_key);
    EXPECT_EQ(bulk.facts, one->facts);
    EXPECT_EQ(bulk.error.has_value(), one->error.has_value());
    if (bulk.error) {
      EXPECT_EQ(bulk.error->message, one->error->message);
    }
    ASSERT_EQ(bulk.items.size(), one->items.size());
    for (std::size_t i = 0; i < bulk.items.size(); ++i) {
      EXPECT_EQ(bulk.items[i].node_id, one->items[i].node_id);
      EXPECT_EQ(bulk.items[i].file, one->items[i].file);
      EXPECT_EQ(bulk.items[i].markers, one->items[i].markers);
      EXPECT_EQ(bulk.items[i].parametrized, one->items[i].parametrized);
    }
  }
}

TEST(StoreCache, SavingAFileAgainReplacesItsItemsAndError) {
  auto store = memory_store();
  CachedFile f = sample_file();
  ASSERT_TRUE(store->save_files({&f, 1}).ok());
  f.items.clear();
  f.size = 99;
  f.error = base::CollectionError{f.rel_path, 7, "SyntaxError: invalid syntax"};
  ASSERT_TRUE(store->save_files({&f, 1}).ok());
  auto got = store->cached_file(f.rel_path);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->size, 99);
  EXPECT_TRUE(got->items.empty());
  ASSERT_TRUE(got->error.has_value());
  EXPECT_EQ(got->error->line, 7);
  EXPECT_EQ(got->error->message, "SyntaxError: invalid syntax");
  EXPECT_EQ(got->error->file, f.rel_path);
}

TEST(StoreRuns, RecordsRunsAndAnswersLastDurationsAndFailures) {
  auto store = memory_store();
  RunInfo info;
  info.argv = "fastest -n 2";
  info.workers = 2;
  auto run1 = store->begin_run(info);
  ASSERT_TRUE(run1.ok());
  std::vector<TestResult> first = {result("t::a", Outcome::passed, 1.0), result("t::b", Outcome::failed, 2.0),
                                   result("t::c", Outcome::crashed, 3.0)};
  ASSERT_TRUE(store->record_results(*run1, first).ok());
  ASSERT_TRUE(store->finish_run(*run1, RunEnd{1, 3.5, 1, 2, 0, 0}).ok());

  auto run2 = store->begin_run(info);
  ASSERT_TRUE(run2.ok());
  EXPECT_NE(*run1, *run2);
  std::vector<TestResult> second = {result("t::a", Outcome::failed, 1.5), result("t::b", Outcome::passed, 2.5)};
  ASSERT_TRUE(store->record_results(*run2, second).ok());
  EXPECT_EQ(store->run_count(), 1);  // run 2 has not finished yet
  ASSERT_TRUE(store->finish_run(*run2, RunEnd{1, 2.6, 1, 1, 0, 0}).ok());
  EXPECT_EQ(store->run_count(), 2);

  const auto d = store->last_durations();
  ASSERT_EQ(d.size(), 3u);
  EXPECT_DOUBLE_EQ(d.at("t::a"), 1.5);
  EXPECT_DOUBLE_EQ(d.at("t::b"), 2.5);
  EXPECT_DOUBLE_EQ(d.at("t::c"), 3.0);
  EXPECT_EQ(store->last_failed(), (std::vector<std::string>{"t::a", "t::c"}));
}

TEST(StoreRuns, RejectsNanNegativeAndAbsurdDurations) {
  auto store = memory_store();
  auto run = store->begin_run(RunInfo{});
  ASSERT_TRUE(run.ok());
  std::vector<TestResult> rs = {result("t::nan", Outcome::passed, std::nan("")),
                                result("t::inf", Outcome::passed, std::numeric_limits<double>::infinity()),
                                result("t::neg", Outcome::passed, -5.0),
                                result("t::jitter", Outcome::passed, -1e-9),
                                result("t::week", Outcome::passed, 8 * 24 * 3600.0),
                                result("t::ok", Outcome::passed, 0.25)};
  ASSERT_TRUE(store->record_results(*run, rs).ok());
  const auto d = store->last_durations();
  EXPECT_EQ(d.count("t::nan"), 0u);
  EXPECT_EQ(d.count("t::inf"), 0u);
  EXPECT_EQ(d.count("t::neg"), 0u);
  EXPECT_EQ(d.count("t::week"), 0u);
  EXPECT_DOUBLE_EQ(d.at("t::jitter"), 0.0);
  EXPECT_DOUBLE_EQ(d.at("t::ok"), 0.25);
  // The outcomes are kept even when the durations are not.
  EXPECT_TRUE(store->finish_run(*run, RunEnd{0, std::nan(""), 6, 0, 0, 0}).ok());
}

TEST(StoreRuns, ADuplicateResultIsKeptOnceAndCountedOnce) {
  TempDir dir;
  const auto path = dir / "h.db";
  std::int64_t run_id = 0;
  {
    auto store = std::move(HistoryStore::open(path)).value();
    auto run = store->begin_run(RunInfo{});
    ASSERT_TRUE(run.ok());
    run_id = *run;
    std::vector<TestResult> rs = {result("t::a", Outcome::passed, 1.0), result("t::a", Outcome::failed, 9.0)};
    ASSERT_TRUE(store->record_results(run_id, rs).ok());
    ASSERT_TRUE(store->record_results(run_id, std::vector<TestResult>{result("t::a", Outcome::failed, 9.0)}).ok());
  }
  {
    // Another connection (a restarted controller) continuing the same run.
    auto store = std::move(HistoryStore::open(path)).value();
    ASSERT_TRUE(store->record_results(run_id, std::vector<TestResult>{result("t::a", Outcome::failed, 9.0)}).ok());
    EXPECT_DOUBLE_EQ(store->last_durations().at("t::a"), 1.0);
    EXPECT_TRUE(store->last_failed().empty());
    auto slow = store->slowest_tests(1);
    ASSERT_TRUE(slow.ok());
    EXPECT_EQ((*slow)[0].runs, 1);
  }
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(testing::query_int(raw, "SELECT count(*) FROM results"), 1);
}

TEST(StoreRuns, ManyResultsInOneSpanUseTheBatchedPath) {
  auto store = memory_store();
  auto run = store->begin_run(RunInfo{});
  ASSERT_TRUE(run.ok());
  std::vector<TestResult> rs;
  for (int i = 0; i < 1000; ++i) rs.push_back(result("m.py::t" + std::to_string(i), Outcome::passed, i * 0.001));
  ASSERT_TRUE(store->record_results(*run, rs).ok());
  const auto d = store->last_durations();
  ASSERT_EQ(d.size(), 1000u);
  EXPECT_DOUBLE_EQ(d.at("m.py::t999"), 0.999);
  EXPECT_NEAR(seconds_by_id(store->history()).at("m.py::t500"), 0.5, 1e-6);
}

TEST(StoreRuns, RecordingForAnUnknownRunIsAnError) {
  auto store = memory_store();
  std::vector<TestResult> rs = {result("t::a", Outcome::passed, 1.0)};
  auto st = store->record_results(12345, rs);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, base::ErrorCode::database);
  EXPECT_FALSE(store->finish_run(12345, RunEnd{}).ok());
}

TEST(StoreRuns, LongMessagesAreClippedOnACharacterBoundary) {
  TempDir dir;
  const auto path = dir / "h.db";
  {
    auto store = HistoryStore::open(path);
    ASSERT_TRUE(store.ok());
    auto run = (*store)->begin_run(RunInfo{});
    TestResult r = result("t::long", Outcome::failed, 1.0);
    r.message = std::string(4095, 'x') + "\xc3\xa9" + std::string(100, 'y');  // é straddles the limit
    ASSERT_TRUE((*store)->record_results(*run, {&r, 1}).ok());
  }
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(testing::query_int(raw, "SELECT length(CAST(message AS BLOB)) FROM results"), 4095);
}

// `fastest plan`'s "predictions were within X%": only runs that ran their plan count. A run
// interrupted by collection errors (exit 2) ran a sliver of it: no test of the prediction.
TEST(StorePlanningRecord, CountsOnlyRunsThatRanTheirPlan) {
  auto s = std::move(HistoryStore::open_memory()).value();
  auto record = [&](int exit_status, double predicted, double actual) {
    RunInfo info;
    info.predicted_makespan_s = predicted;
    auto run = s->begin_run(info);
    ASSERT_TRUE(run.ok());
    const BatchSpan span{0, "tests/test_a.py", 0.5, 0.5 + actual, 3};
    ASSERT_TRUE(s->record_batches(*run, std::span<const BatchSpan>(&span, 1)).ok());
    ASSERT_TRUE(s->finish_run(*run, RunEnd{exit_status, actual, 0, 0, 0, 0}).ok());
  };
  record(0, 10.0, 11.0);  // 9% off
  record(2, 10.0, 0.1);   // collection interrupted: 99x off, not counted
  record(1, 10.0, 9.0);   // 11% off (a failing test is still a full run)
  auto r = s->planning_record(10);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->runs, 2u);
  EXPECT_LT(r->worst_error, 0.2);
}

// The first run of a new build compiles its harness (0.25-0.7 s before the first batch,
// against 0.05-0.15 s warm): a warm run's start-up comes from warm runs only.
TEST(StorePlanningRecord, ColdStartsAreLeftOutOfTheWarmStartUp) {
  auto s = std::move(HistoryStore::open_memory()).value();
  auto record = [&](bool cold, double first_batch_s) {
    RunInfo info;
    info.predicted_makespan_s = 2.0;
    info.cold_start = cold;
    auto run = s->begin_run(info);
    ASSERT_TRUE(run.ok());
    const BatchSpan span{0, "tests/test_a.py", first_batch_s, first_batch_s + 2.0, 3};
    ASSERT_TRUE(s->record_batches(*run, std::span<const BatchSpan>(&span, 1)).ok());
    ASSERT_TRUE(s->finish_run(*run, RunEnd{0, first_batch_s + 2.0, 3, 0, 0, 0}).ok());
  };
  record(true, 0.6);
  auto only_cold = s->planning_record(10);
  ASSERT_TRUE(only_cold.ok());
  EXPECT_FALSE(only_cold->warm_startup_s.has_value());
  EXPECT_DOUBLE_EQ(only_cold->cold_startup_s.value_or(0), 0.6);
  EXPECT_DOUBLE_EQ(only_cold->startup_s, 0.6);  // nothing else known
  record(false, 0.1);
  record(false, 0.2);
  auto r = s->planning_record(10);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->runs, 3u);
  EXPECT_DOUBLE_EQ(r->warm_startup_s.value_or(0), 0.15);
  EXPECT_DOUBLE_EQ(r->cold_startup_s.value_or(0), 0.6);
  EXPECT_DOUBLE_EQ(r->startup_s, 0.15);
}

}  // namespace
}  // namespace fastest::store
