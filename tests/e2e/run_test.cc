// End-to-end: the real binary on fixture projects (tests/fixtures/<scenario>/).
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

int count_rows(const fs::path& db, const std::string& sql) {
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  return d.execAndGet(sql).getInt();
}

TEST(EndToEnd, AllPassExitsZeroWithSummary) {
  FixtureProject p("all_pass");
  auto r = p.run({"-n", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("4 passed in "), std::string::npos) << r.out;
}

TEST(EndToEnd, FailureExitsOneAndNamesTheTest) {
  FixtureProject p("one_failure");
  auto r = p.run({"-n", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAILURES"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("test_broken_sum"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAILED tests/test_mixed.py::test_broken_sum"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 failed, 2 passed in "), std::string::npos) << r.out;
}

TEST(EndToEnd, NoTestsExitsFive) {
  FixtureProject p("empty");
  auto r = p.run({});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_NE(r.out.find("no tests ran"), std::string::npos) << r.out;
}

TEST(EndToEnd, SyntaxErrorIsACollectionErrorWithFileAndLine) {
  FixtureProject p("syntax_error");
  auto r = p.run({});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("ERROR collecting tests/test_bad.py"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("test_bad.py\", line 5\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("E   SyntaxError: invalid syntax\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 error"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Interrupted: 1 error during collection"), std::string::npos) << r.out;
}

TEST(EndToEnd, ContinueOnCollectionErrorsRunsTheRest) {
  FixtureProject p("syntax_error");
  auto r = p.run({"--continue-on-collection-errors"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("1 passed, 1 error"), std::string::npos) << r.out;
}

// pytest collects every module before running any: an import error means nothing runs.
// fastest sees it when the module's batch starts; from then on it runs no more tests, only
// collects the modules not started yet (so every error is reported), and shows only what
// collection decided.
TEST(EndToEnd, ImportErrorAtRunTimeInterruptsAsPytestDoes) {
  for (const std::string engine : {"native", "pytest"}) {
    FixtureProject p("collect_interrupt");
    auto junit = p.dir() / "junit.xml";
    auto r = p.run({"-n", "1", "--schedule", "fifo", "--engine", engine, "--junitxml", junit.string(), "-rA"});
    EXPECT_EQ(r.exit_code, 2) << engine << r.out << r.err;
    EXPECT_NE(r.out.find("ERROR collecting tests/test_b.py"), std::string::npos) << engine << r.out;
    EXPECT_NE(r.out.find("ERROR collecting tests/test_d.py"), std::string::npos) << engine << r.out;
    EXPECT_NE(r.out.find("Interrupted: 2 errors during collection"), std::string::npos) << engine << r.out;
    EXPECT_NE(r.out.find(" 2 errors in "), std::string::npos) << engine << r.out;
    EXPECT_EQ(r.out.find("passed"), std::string::npos) << engine << r.out;
    EXPECT_EQ(r.out.find("FAILURES"), std::string::npos) << engine << r.out;
    EXPECT_EQ(r.out.find("test_three"), std::string::npos) << engine << r.out;
    std::string xml = slurp(junit);
    EXPECT_NE(xml.find("errors=\"2\" failures=\"0\" skipped=\"0\" tests=\"2\""), std::string::npos) << xml;
    EXPECT_EQ(xml.find("test_one"), std::string::npos) << xml;
  }
}

// The modules that failed to collect go first next time: an error that persists is seen
// before any test runs, so nothing of the tests shows, exactly as in pytest.
TEST(EndToEnd, ModulesThatFailedToCollectAreDispatchedFirstNextTime) {
  FixtureProject p("collect_interrupt");
  auto first = p.run({"-n", "1", "--schedule", "fifo"});
  ASSERT_EQ(first.exit_code, 2) << first.out << first.err;
  // test_a ran before the error came, but its progress waited for the collected line and
  // is dropped with the run's results: pytest's output already (it ran nothing).
  EXPECT_EQ(first.out.find("tests/test_a.py"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("collected 3 items / 2 errors"), std::string::npos) << first.out;
  auto again = p.run({"-n", "1", "--schedule", "fifo"});
  EXPECT_EQ(again.exit_code, 2) << again.out << again.err;
  EXPECT_EQ(again.out.find("tests/test_a.py"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("collected 3 items / 2 errors"), std::string::npos) << again.out;
}

// pytest under --doctest-modules skips a self-skipping test module twice (as Module and as
// DoctestModule, one node id): its counts, -rs and JUnit say so (pytest 7.2.1's output).
TEST(EndToEnd, ModuleSkipUnderDoctestModulesCountsAsPytestsTwoReports) {
  FixtureProject p("doctest_module_skip");
  auto junit = p.dir() / "junit.xml";
  auto r = p.run({"-n", "2", "--doctest-modules", "-rs", "--junitxml", junit.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("collected 2 items / 2 skipped"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SKIPPED [2] test_skipme.py:2: could not import"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 passed, 2 skipped in "), std::string::npos) << r.out;
  std::string xml = slurp(junit);
  EXPECT_NE(xml.find("skipped=\"2\" tests=\"4\""), std::string::npos) << xml;
  auto plain = p.run({"-n", "2"});
  EXPECT_NE(plain.out.find("1 passed, 1 skipped in "), std::string::npos) << plain.out;
}

// In an interrupted run pytest still counts what collection decided: the modules that
// skip themselves, whether their batch ran before the error (the skip arrives while its
// batch is being given up) or was only collected after it. pytest 7.2.1 on this fixture:
// "collected 1 item / 1 error / 2 skipped", both SKIPPED lines, "2 skipped, 1 error",
// JUnit skipped="2" tests="3"; the same with the broken module first (history).
TEST(EndToEnd, ModuleSkipsCountInARunInterruptedByACollectionError) {
  for (const std::string engine : {"native", "pytest"}) {
    FixtureProject p("collect_interrupt_skip");
    for (const char* workers : {"1", "2", "2"}) {  // later runs have history: the broken module first
      auto junit = p.dir() / "junit.xml";
      auto r = p.run({"-n", workers, "--engine", engine, "-rs", "--junitxml", junit.string()});
      const std::string at = engine + " -n " + workers + "\n";
      EXPECT_EQ(r.exit_code, 2) << at << r.out << r.err;
      EXPECT_NE(r.out.find("collected 1 item / 1 error / 2 skipped"), std::string::npos) << at << r.out;
      EXPECT_NE(r.out.find("SKIPPED [1] tests/test_a_skip.py:3: not here"), std::string::npos) << at << r.out;
      EXPECT_NE(r.out.find("SKIPPED [1] tests/test_d_skip.py:3: later"), std::string::npos) << at << r.out;
      EXPECT_NE(r.out.find(" 2 skipped, 1 error in "), std::string::npos) << at << r.out;
      EXPECT_EQ(r.out.find("passed"), std::string::npos) << at << r.out;
      const std::string xml = slurp(junit);
      EXPECT_NE(xml.find("errors=\"1\" failures=\"0\" skipped=\"2\" tests=\"3\""), std::string::npos) << at << xml;
    }
  }
}

TEST(EndToEnd, ImportErrorWithContinueOnCollectionErrorsRunsTheRest) {
  FixtureProject p("collect_interrupt");
  auto r = p.run({"-n", "1", "--schedule", "fifo", "--continue-on-collection-errors"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("1 failed, 2 passed, 2 errors in "), std::string::npos) << r.out;
}

TEST(EndToEnd, ResultsAreRecordedInTheDatabase) {
  FixtureProject p("one_failure");
  auto r = p.run({"-n", "2"});
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  ASSERT_TRUE(fs::exists(p.db()));
  EXPECT_EQ(count_rows(p.db(), "SELECT count(*) FROM runs"), 1);
  EXPECT_EQ(count_rows(p.db(), "SELECT count(*) FROM results"), 3);
  EXPECT_EQ(count_rows(p.db(),
                       "SELECT count(*) FROM results JOIN nodes ON nodes.id = results.node "
                       "WHERE nodes.node_id = 'tests/test_mixed.py::test_broken_sum' AND outcome = 2"),
            1);
  auto again = p.run({"-n", "2"});
  EXPECT_EQ(count_rows(p.db(), "SELECT count(*) FROM runs"), 2);
}

TEST(EndToEnd, JunitXmlHasPytestNames) {
  FixtureProject p("one_failure");
  auto junit = p.dir() / "out" / "junit.xml";
  auto r = p.run({"--junitxml", junit.string()});
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  std::string xml = slurp(junit);
  EXPECT_NE(xml.find("<testcase classname=\"tests.test_mixed\" name=\"test_broken_sum\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("tests=\"3\""), std::string::npos) << xml;
}

TEST(EndToEnd, CrashFailsOnlyThatTestAndTheRestRunOnAFreshWorker) {
  FixtureProject p("crash");
  auto junit = p.dir() / "junit.xml";
  auto r = p.run({"-n", "2", "--junitxml", junit.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("2 failed, 4 passed"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("test_2_exits"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exit code 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SIGSEGV"), std::string::npos) << r.out;
}

TEST(EndToEnd, UnknownFlagIsAUsageError) {
  FixtureProject p("all_pass");
  auto r = p.run({"--no-such-flag"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("no-such-flag"), std::string::npos) << r.err;
}

TEST(EndToEnd, MissingPathIsAUsageError) {
  FixtureProject p("all_pass");
  auto r = p.run({"does/not/exist.py"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("file or directory not found: does/not/exist.py"), std::string::npos) << r.err;
}

TEST(EndToEnd, NodeIdArgumentRunsOneTest) {
  FixtureProject p("one_failure");
  auto r = p.run({"tests/test_mixed.py::test_ok", "-v"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("tests/test_mixed.py::test_ok PASSED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 passed in"), std::string::npos) << r.out;
}

TEST(Selection, LastFailedRerunsOnlyTheFailures) {
  FixtureProject p("one_failure");
  ASSERT_EQ(p.run({}).exit_code, 1);
  auto r = p.run({"--lf", "-v"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("1 failed in"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("test_ok PASSED"), std::string::npos) << r.out;
}

TEST(Selection, FailedFirstRunsEverythingFailuresFirst) {
  FixtureProject p("many_modules");
  ASSERT_EQ(p.run({}).exit_code, 0);
  // No failures recorded: --ff changes nothing and --lf runs everything (pytest's behaviour).
  auto lf = p.run({"--lf"});
  EXPECT_EQ(lf.exit_code, 0) << lf.out;
  EXPECT_NE(lf.out.find("29 passed"), std::string::npos) << lf.out;
}

TEST(Selection, KeywordExpressionFiltersAtRunTime) {
  FixtureProject p("one_failure");
  // "ok" also matches test_br*ok*en_sum, as in pytest (case-insensitive substrings).
  auto r = p.run({"-k", "ok and not also"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("1 failed, 1 passed"), std::string::npos) << r.out;
  auto only = p.run({"-k", "test_ok or also"});
  EXPECT_EQ(only.exit_code, 0) << only.out << only.err;
  EXPECT_NE(only.out.find("2 passed"), std::string::npos) << only.out;
}

TEST(Selection, ExitFirstStopsAfterTheFirstFailure) {
  FixtureProject p("one_failure");
  auto r = p.run({"-x", "-n", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("1 failed, 1 passed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stopping after 1 failure"), std::string::npos) << r.out;
}

TEST(CollectOnly, ListsRuntimeIdsLikePytest) {
  FixtureProject p("params");
  auto r = p.run({"--collect-only", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find("\n\n")),
            "tests/test_p.py::test_square[1]\ntests/test_p.py::test_square[2]\n"
            "tests/test_p.py::TestWords::test_len[short]\ntests/test_p.py::TestWords::test_len[long]")
      << r.out;
  EXPECT_NE(r.out.find("4 tests collected in"), std::string::npos) << r.out;
  auto s = p.run({"--collect-only", "--static"});
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_NE(s.out.find("tests/test_p.py::test_square\n"), std::string::npos) << s.out;
}

// Past 64 files the discovery cache is read in one scan: the same listing as the first
// (parsed) run, and an edited file is still parsed again.
TEST(CollectOnly, ManyCachedFilesListAsParsed) {
  FixtureProject p("empty");
  fs::create_directories(p.dir() / "tests");
  for (int i = 0; i < 80; ++i)
    std::ofstream(p.dir() / "tests" / ("test_m" + std::to_string(100 + i) + ".py"))
        << "def test_a():\n    pass\n\n\nclass TestK:\n    def test_b(self):\n        pass\n";
  auto first = p.run({"--collect-only", "--static", "-q", "tests"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("160 tests collected"), std::string::npos) << first.out;
  auto cached = p.run({"--collect-only", "--static", "-q", "tests"});
  EXPECT_EQ(cached.out.substr(0, cached.out.find(" in ")), first.out.substr(0, first.out.find(" in ")));
  std::ofstream(p.dir() / "tests" / "test_m150.py") << "def test_renamed():\n    pass\n";
  auto edited = p.run({"--collect-only", "--static", "-q", "tests"});
  EXPECT_NE(edited.out.find("tests/test_m150.py::test_renamed\n"), std::string::npos) << edited.out;
  EXPECT_NE(edited.out.find("159 tests collected"), std::string::npos) << edited.out;
}

// The cache trusts a file whose stat is unchanged since a pass that read it more than the
// racy window (2 s) after its last change. Once every file is trusted, a file edited to the
// same size, a new file and a deleted file are still seen: the listing is the fresh parse's.
TEST(CollectOnly, TrustedCacheSeesEditedAddedAndRemovedFiles) {
  FixtureProject p("empty");
  fs::create_directories(p.dir() / "tests");
  auto write = [&](const std::string& name, const std::string& fn) {
    std::ofstream(p.dir() / "tests" / name) << "def " << fn << "():\n    pass\n";
  };
  for (int i = 0; i < 80; ++i) write("test_m" + std::to_string(100 + i) + ".py", "test_a");
  const std::vector<std::string> co = {"--collect-only", "--static", "-q", "tests"};
  ASSERT_EQ(p.run(co).exit_code, 0);
  // Past the racy window: this pass hashes the racy answers and records them as checked now,
  // so the next pass trusts every file by its stat alone.
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  ASSERT_EQ(p.run(co).exit_code, 0);
  auto trusted = p.run(co);
  EXPECT_NE(trusted.out.find("tests/test_m150.py::test_a\n"), std::string::npos) << trusted.out;
  EXPECT_NE(trusted.out.find("80 tests collected"), std::string::npos) << trusted.out;
  write("test_m150.py", "test_b");  // same size, other bytes
  write("test_m200.py", "test_new");
  fs::remove(p.dir() / "tests" / "test_m160.py");
  auto after = p.run(co);
  ASSERT_EQ(after.exit_code, 0) << after.out << after.err;
  EXPECT_NE(after.out.find("tests/test_m150.py::test_b\n"), std::string::npos) << after.out;
  EXPECT_EQ(after.out.find("tests/test_m150.py::test_a\n"), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("tests/test_m200.py::test_new\n"), std::string::npos) << after.out;
  EXPECT_EQ(after.out.find("test_m160.py"), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("80 tests collected"), std::string::npos) << after.out;
  // And a run after the change lists what a cold pass on an empty database lists.
  auto again = p.run(co);
  auto cold = p.run({"--collect-only", "--static", "-q", "tests", "--db", (p.dir() / "cold.db").string()});
  EXPECT_EQ(again.out.substr(0, again.out.find(" in ")), cold.out.substr(0, cold.out.find(" in ")));
}

// B6: ids with "::", "[", escaped newlines, RTL marks and 10 KB are unique keys that
// round-trip through the store (--lf) and JUnit stays well-formed.
TEST(OddIds, RoundTripThroughLastFailedAndJunit) {
  FixtureProject p("odd_ids");
  auto junit = p.dir() / "junit.xml";
  auto r = p.run({"--junitxml", junit.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("1 failed, 5 passed"), std::string::npos) << r.out;
  EXPECT_EQ(std::system(("xmllint --noout " + shell_quote(junit.string()) + " 2>/dev/null").c_str()), 0);
  auto lf = p.run({"--lf", "-v"});
  EXPECT_EQ(lf.exit_code, 1) << lf.out << lf.err;
  EXPECT_NE(lf.out.find("tests/test_odd.py::test_odd[fails here] FAILED"), std::string::npos) << lf.out;
  EXPECT_NE(lf.out.find("1 failed in"), std::string::npos) << lf.out;
  auto k = p.run({"-k", "colons or brackets", "-q"});
  EXPECT_EQ(k.exit_code, 0) << k.out << k.err;
  EXPECT_NE(k.out.find("2 passed"), std::string::npos) << k.out;
}

}  // namespace
}  // namespace fastest::e2e
