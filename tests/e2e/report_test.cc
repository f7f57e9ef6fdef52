// End-to-end: what the controller prints and writes, against pytest 7.2's output
// (issue 7's reporting items and the protocol v2 messages).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

int rows(const fs::path& db, const std::string& sql) {
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  return d.execAndGet(sql).getInt();
}

// A worker's `fatal` (here sent by a test, as pytest.exit() would make the worker send it):
// the message on stderr, pytest's exit code, no replacement worker and no further batch,
// the results so far kept.
TEST(Reporting, WorkerFatalEndsTheRunWithItsExitCodeAndKeepsResults) {
  FixtureProject p("report_fatal");
  auto r = p.run({"-n", "1", "--schedule", "fifo"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("Exit: enough (from the test)\n")) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("crashed"))) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("crashed"))) << r.out;
  EXPECT_THAT(r.out, HasSubstr("3 passed in ")) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("test_3_after"))) << "no batch after the fatal: " << r.out;
  EXPECT_EQ(rows(p.db(), "SELECT count(*) FROM results"), 3);
}

using ::testing::HasSubstr;
using ::testing::Not;

/// Lines of `out` that name a test, in order.
std::vector<std::string> test_lines(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);)
    if (l.find("::") != std::string::npos && l.rfind("tests/", 0) == 0) lines.push_back(l);
  return lines;
}

// Issue 7: the last test of a module failed; --ff runs that test first (pytest moves
// tests, not modules), then the rest in order.
// pytest 7.2.1's short summary for tests/fixtures/summary_order: collection errors first
// (pytest collects before it runs), then everything in collection order (a directory's
// files before its subdirectories), whichever worker reported first.
constexpr const char* k_pytest_summary_order =
    "=========================== short test summary info ============================\n"
    "FAILED test_a.py::test_f - assert 0\n"
    "FAILED test_c.py::test_g - assert 0\n"
    "FAILED test_y.py::test_y - assert 0\n"
    "FAILED sub/test_sub.py::test_s - assert 0\n"
    "ERROR test_b.py\n"
    "ERROR test_bb_syntax.py\n"
    "ERROR test_z.py - RuntimeError: boom z\n"
    "ERROR test_a.py::test_e - ValueError: v\n"
    "ERROR test_c.py::test_t - ValueError: td\n"
    "4 failed, 1 passed, 5 errors in ";

/// `check(engine, workers)` under both engines, with one worker and with two.
template <class Check>
void for_engines_and_workers(Check check) {
  for (const char* engine : {"native", "pytest"})
    for (const char* workers : {"1", "2"}) check(engine, workers);
}

TEST(Reporting, ShortSummaryListsInPytestsCollectionOrder) {
  FixtureProject p("summary_order");
  for_engines_and_workers([&](const char* engine, const char* workers) {
    auto r =
        p.run({"-n", workers, "--engine", engine, "-q", "--continue-on-collection-errors", "-p", "no:cacheprovider"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr(k_pytest_summary_order)) << engine << " -n " << workers << "\n" << r.out;
  });
}

// pytest collects every module before it stops on collection errors: a file that fails to
// parse does not hide the other modules' import errors (pytest 7.2.1's text; nothing runs).
constexpr const char* k_pytest_interrupted_summary =
    "=========================== short test summary info ============================\n"
    "ERROR test_b.py\n"
    "ERROR test_bb_syntax.py\n"
    "ERROR test_z.py - RuntimeError: boom z\n"
    "!!!!!!!!!!!!!!!!!!! Interrupted: 3 errors during collection !!!!!!!!!!!!!!!!!!!!\n"
    "3 errors in ";

TEST(Reporting, AParseErrorStillCollectsTheOtherModulesAsPytestDoes) {
  FixtureProject p("summary_order");
  for_engines_and_workers([&](const char* engine, const char* workers) {
    auto r = p.run({"-n", workers, "--engine", engine, "-q", "-p", "no:cacheprovider"});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr(k_pytest_interrupted_summary)) << engine << " -n " << workers << "\n" << r.out;
    EXPECT_THAT(r.out, Not(HasSubstr("passed"))) << r.out;
    EXPECT_THAT(r.out, Not(HasSubstr("FAILED"))) << r.out;
  });
}

// pytest's cache entries that describe the whole run (lastfailed, nodeids) are the
// controller's: a pytest-engine worker saw only its batches, and its sessionfinish wrote its
// share over the run's list (which share won was a race). The controller writes the whole
// list (tests/e2e/pytest_cache_test.cc compares it with pytest's).
TEST(EnginePytest, WorkersDoNotWriteTheirShareOfLastfailed) {
  FixtureProject p("summary_order");
  auto r = p.run({"-n", "2", "--engine", "pytest", "-q", "--continue-on-collection-errors"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto lastfailed = slurp(p.dir() / ".pytest_cache" / "v" / "cache" / "lastfailed");
  for (const char* id : {"test_y.py::test_y", "sub/test_sub.py::test_s", "test_a.py::test_e", "test_c.py::test_t",
                         "\"test_b.py\"", "\"test_z.py\""})
    EXPECT_THAT(lastfailed, HasSubstr(id)) << lastfailed;
}

TEST(CacheOptions, FailedFirstRunsTheFailedTestFirst) {
  FixtureProject p("report_cache");
  ASSERT_EQ(p.run({"-n", "1"}, "FASTEST_E2E_FAIL=a_last").exit_code, 1);
  auto r = p.run({"-n", "1", "--ff", "-v"}, "FASTEST_E2E_FAIL=a_last");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto lines = test_lines(r.out);
  ASSERT_EQ(lines.size(), 8u) << r.out;
  EXPECT_THAT(lines[0], HasSubstr("tests/test_a.py::test_a_last FAILED")) << r.out;
  EXPECT_THAT(lines[1], HasSubstr("tests/test_a.py::test_a1 PASSED")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("run-last-failure: rerun previous 1 failure first")) << r.out;
  // --cache-clear: the failure is forgotten, collection order again.
  auto cleared = p.run({"-n", "1", "--ff", "--cache-clear", "-v", "--schedule", "fifo"});
  auto plain = test_lines(cleared.out);
  ASSERT_FALSE(plain.empty()) << cleared.out;
  EXPECT_THAT(plain[0], HasSubstr("tests/test_a.py::test_a1 PASSED")) << cleared.out;
  EXPECT_THAT(cleared.out, HasSubstr("run-last-failure: no previously failed tests, not deselecting items."));
}

TEST(CacheOptions, NewFirstRunsNewTestsFirst) {
  FixtureProject p("report_cache");
  ASSERT_EQ(p.run({"-n", "1"}).exit_code, 0);
  std::ofstream(p.dir() / "tests" / "test_b.py", std::ios::app) << "\n\ndef test_b_new():\n    pass\n";
  auto r = p.run({"-n", "1", "--nf", "-v"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto lines = test_lines(r.out);
  ASSERT_EQ(lines.size(), 9u) << r.out;
  EXPECT_THAT(lines[0], HasSubstr("tests/test_b.py::test_b_new PASSED")) << r.out;
  EXPECT_THAT(lines[1], HasSubstr("tests/test_b.py::test_b1 PASSED")) << r.out;
}

TEST(CacheOptions, StepwiseStopsAtAFailureAndContinuesFromIt) {
  FixtureProject p("report_cache");
  auto first = p.run({"-n", "1", "--sw", "--schedule", "fifo"}, "FASTEST_E2E_FAIL=b2");
  EXPECT_EQ(first.exit_code, 2) << first.out << first.err;
  EXPECT_THAT(first.out, HasSubstr("Interrupted: Test failed, continuing from this test next run.")) << first.out;
  EXPECT_THAT(first.out, HasSubstr("1 failed, 6 passed in ")) << first.out;
  auto next = p.run({"-n", "1", "--sw", "--schedule", "fifo"});
  EXPECT_EQ(next.exit_code, 0) << next.out << next.err;
  EXPECT_THAT(next.out, HasSubstr("stepwise: skipping 6 already passed items.")) << next.out;
  EXPECT_THAT(next.out, HasSubstr("2 passed, 6 deselected in ")) << next.out;
}

TEST(CollectOnly, ShardListsOnlyItsShare) {
  FixtureProject p("many_modules");
  std::set<std::string> all;
  std::size_t total = 0;
  for (const char* k : {"1/3", "2/3", "3/3"}) {
    auto r = p.run({"--collect-only", "-q", "--shard", k});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto ids = test_lines(r.out);
    EXPECT_LT(ids.size(), 29u) << k << ": " << r.out;
    total += ids.size();
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(total, 29u);
  EXPECT_EQ(all.size(), 29u) << "the shards are disjoint and cover everything";
}

// Issue 7: "collected N items" is the runtime count (parametrize expanded), with pytest's
// deselected/selected parts, and the summary line counts the deselected.
TEST(Reporting, CollectedLineCountsRuntimeItemsAndDeselected) {
  FixtureProject p("report_cache");
  auto r = p.run({"-n", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("\ncollected 8 items\n\n")) << r.out;
  auto k = p.run({"-n", "2", "--engine", "pytest", "-k", "a2"});
  EXPECT_EQ(k.exit_code, 0) << k.out << k.err;
  EXPECT_THAT(k.out, HasSubstr("collected 8 items / 5 deselected / 3 selected\n")) << k.out;
  EXPECT_THAT(k.out, HasSubstr(" 3 passed, 5 deselected in ")) << k.out;
}

// pytest prints "collected N items" before any test's progress, and its percentages are of
// that count: plain progress waits for every batch's runtime collection (parametrize
// expanded), then prints the held lines with pytest's percentages.
TEST(Reporting, CollectedLineComesBeforeAnyProgress) {
  FixtureProject p("report_cache");
  for (const char* verbosity : {"-v", "-q", "-rN"}) {
    auto r = p.run({"-n", "2", "--progress", "plain", "-p", "no:cacheprovider", verbosity});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto progress = r.out.find("%]");
    ASSERT_NE(progress, std::string::npos) << r.out;
    if (std::string(verbosity) != "-q") {
      // (at -v after pytest's "collecting ... ")
      EXPECT_LT(r.out.find("collected 8 items\n\n"), progress) << r.out;
    }
    if (std::string(verbosity) == "-v") {
      // Eight items: the first result is 12%, never a share of the static count.
      EXPECT_THAT(r.out.substr(0, progress + 2), testing::EndsWith("[ 12%]")) << r.out;
    }
  }
}

TEST(Reporting, ReportCharsAAndPListPassedTests) {
  FixtureProject p("report_cache");
  auto r = p.run({"-n", "1", "-rA"}, "FASTEST_E2E_FAIL=b2");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("short test summary info ============================\n"
                               "PASSED tests/test_a.py::test_a1\n"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("PASSED tests/test_a.py::test_a2[3]\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\nFAILED tests/test_b.py::test_b2 - ")) << r.out;
  auto p_only = p.run({"-n", "1", "-rp"}, "FASTEST_E2E_FAIL=b2");
  EXPECT_THAT(p_only.out, HasSubstr("PASSED tests/test_b.py::test_b3\n")) << p_only.out;
  EXPECT_THAT(p_only.out, Not(HasSubstr("FAILED tests/test_b.py::test_b2"))) << "-rp replaces fE: " << p_only.out;
}

TEST(Reporting, TracebackStylesLineAndNo) {
  FixtureProject p("report_cache");
  auto no = p.run({"-n", "1", "--tb=no"}, "FASTEST_E2E_FAIL=b2");
  EXPECT_EQ(no.exit_code, 1) << no.out << no.err;
  EXPECT_THAT(no.out, Not(HasSubstr("FAILURES"))) << no.out;
  EXPECT_THAT(no.out, HasSubstr("FAILED tests/test_b.py::test_b2")) << no.out;
  auto line = p.run({"-n", "1", "--tb=line"}, "FASTEST_E2E_FAIL=b2");
  auto at = line.out.find(" FAILURES ");
  ASSERT_NE(at, std::string::npos) << line.out;
  std::string after = line.out.substr(line.out.find('\n', at) + 1);
  EXPECT_THAT(after.substr(0, after.find('\n')), HasSubstr("tests/test_b.py:9: ")) << line.out;
  EXPECT_EQ(after.find("____"), std::string::npos) << "one line per failure, no headline: " << line.out;
  auto bare = p.run({"-n", "1", "--no-header", "--no-summary"}, "FASTEST_E2E_FAIL=b2");
  EXPECT_THAT(bare.out, Not(HasSubstr("rootdir:"))) << bare.out;
  EXPECT_THAT(bare.out, Not(HasSubstr("short test summary"))) << bare.out;
  EXPECT_THAT(bare.out, HasSubstr("= 1 failed, 7 passed in ")) << bare.out;
}

// Issue 7: record_property, record_testsuite_property and record_xml_attribute reach
// JUnit as pytest writes them (here junit_family = xunit1 and junit_suite_name from the ini).
TEST(Reporting, JunitHasPropertiesSuitePropertiesAndXmlAttributes) {
  FixtureProject p("report_junit");
  // The pytest engine sends xml_attributes and suite_property; the native engine's
  // fixtures are the native helper's (add "native" here once they send them).
  for (const char* engine : {"pytest"}) {
    auto junit = p.dir() / (std::string(engine) + ".xml");
    auto r = p.run({"-n", "1", "--engine", engine, "--junitxml", junit.string()});
    EXPECT_EQ(r.exit_code, 0) << engine << r.out << r.err;
    std::string xml = slurp(junit);
    EXPECT_THAT(xml, HasSubstr("<testsuite name=\"mysuite\"")) << engine << xml;
    EXPECT_THAT(xml, HasSubstr("<properties><property name=\"suite_k\" value=\"42\" /></properties><testcase"))
        << engine << xml;
    EXPECT_THAT(xml,
                HasSubstr("<testcase classname=\"tests.test_props\" name=\"test_prop\" file=\"tests/test_props.py\" "
                          "line=\"3\" extra=\"yes\" time=\""))
        << engine << xml;
    EXPECT_THAT(xml, HasSubstr("<properties><property name=\"k\" value=\"v\" /></properties></testcase>"))
        << engine << xml;
    EXPECT_THAT(r.out, HasSubstr("generated xml file: " + junit.string())) << r.out;
  }
}

}  // namespace
}  // namespace fastest::e2e
