// End-to-end: --reruns through the real binary, in both engines, against pytest-rerunfailures'
// rules (tests/fixtures/reruns): a failed test runs again after the rest of its batch, in
// the same worker, function fixtures set up again, module fixtures kept; fail-then-pass is
// flaky; a crash reruns in a fresh worker at most N times; every attempt is in the store.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

std::int64_t count(const fs::path& db, const std::string& sql) {
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement st(d, sql);
  return st.executeStep() ? st.getColumn(0).getInt64() : -1;
}

std::string last_line(const std::string& out) {
  auto end = out.find_last_not_of('\n');
  auto start = out.rfind('\n', end);
  return out.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

std::int64_t attempts_of(const FixtureProject& p, const std::string& test) {
  return count(p.db(),
               "SELECT count(*) FROM attempts a JOIN nodes n ON n.id = a.node WHERE n.node_id LIKE '%::" + test + "'");
}

int outcome_of(const FixtureProject& p, const std::string& test) {
  return static_cast<int>(count(
      p.db(), "SELECT outcome FROM results r JOIN nodes n ON n.id = r.node WHERE n.node_id LIKE '%::" + test + "'"));
}

void expect_rerun_semantics(const std::string& engine) {
  FixtureProject p("reruns");
  auto r = p.run({"-n", "2", "--engine", engine, "--reruns", "3", "--junitxml", "out.xml"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  // test_always_fails (3 reruns) and test_crashes_always (3 reruns in fresh workers) fail;
  // fails_once (1), coin (2) and crashes_once (1) are flaky.
  EXPECT_NE(last_line(r.out).find("2 failed, 3 passed, 3 flaky"), std::string::npos) << r.out;
  EXPECT_NE(last_line(r.out).find("10 rerun"), std::string::npos) << r.out;
  // Every attempt is recorded: failed attempts in `attempts`, the final one in `results`.
  EXPECT_EQ(attempts_of(p, "test_fails_once"), 1);
  EXPECT_EQ(attempts_of(p, "test_coin"), 2);
  EXPECT_EQ(attempts_of(p, "test_always_fails"), 3);
  EXPECT_EQ(attempts_of(p, "test_crashes_once"), 1);
  EXPECT_EQ(attempts_of(p, "test_crashes_always"), 3);
  EXPECT_EQ(outcome_of(p, "test_fails_once"), 9);
  EXPECT_EQ(outcome_of(p, "test_always_fails"), 2);
  EXPECT_EQ(outcome_of(p, "test_crashes_always"), 7);
  // Never a crash loop: 1 + 3 attempts.
  EXPECT_EQ(slurp(p.dir() / ".state" / "crashes_always"), "4");
  EXPECT_EQ(slurp(p.dir() / ".state" / "always_fails"), "4");
  // The rerun comes after the batch's other tests; function fixtures are set up again,
  // the module fixture lives on (pytest-rerunfailures keeps what did not fail).
  std::string log = slurp(p.dir() / ".state" / "log");
  EXPECT_NE(log.find("call fails_once 1\nteardown function_resource\ncall after\nsetup function_resource\n"
                     "call fails_once 2\nteardown function_resource\n"),
            std::string::npos)
      << log;
  auto pos = log.find("setup module_resource");
  EXPECT_NE(pos, std::string::npos);
  EXPECT_EQ(log.find("setup module_resource", pos + 1), std::string::npos) << log;
  // JUnit: the flaky test passed with its failed attempt as <flakyFailure>; the failed one
  // has <rerunFailure>s; the document counts tests, not attempts.
  std::string xml = slurp(p.dir() / "out.xml");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(xml, m,
                                std::regex("<testcase classname=\"test_flaky\" name=\"test_fails_once\"[^>]*>"
                                           "([\\s\\S]*?)</testcase>")))
      << xml;
  EXPECT_NE(m[1].str().find("<flakyFailure message=\"AssertionError: first attempt fails"), std::string::npos)
      << m[1].str();
  EXPECT_EQ(m[1].str().find("<failure"), std::string::npos);
  EXPECT_NE(xml.find("tests=\"8\""), std::string::npos);
  EXPECT_NE(xml.find("failures=\"2\""), std::string::npos);
  std::regex rerun_failure("<rerunFailure ");
  EXPECT_EQ(std::distance(std::sregex_iterator(xml.begin(), xml.end(), rerun_failure), std::sregex_iterator()), 6);
}

TEST(Reruns, NativeEngineFollowsRerunfailures) { expect_rerun_semantics("native"); }

TEST(Reruns, PytestEngineFollowsRerunfailures) { expect_rerun_semantics("pytest"); }

TEST(Reruns, AFlakyTestDoesNotFailTheRunUnlessFlakyFails) {
  FixtureProject p("reruns");
  auto r = p.run({"-k", "coin or passes", "--reruns", "3", "--junitxml", "out.xml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(last_line(r.out).find("1 passed, 1 flaky"), std::string::npos) << r.out;
  EXPECT_NE(last_line(r.out).find("2 rerun"), std::string::npos) << r.out;
  // Well-formed, and the suite counts its test cases (Python's own XML parser reads it).
  std::string check = "cd " + shell_quote(p.dir().string()) + " && " + test_python() +
                      " -c \"import xml.etree.ElementTree as E; s = E.parse('out.xml').getroot()[0]; "
                      "assert int(s.get('tests')) == len(s.findall('testcase')) == 2; "
                      "assert len(s.findall('testcase/flakyFailure')) == 2\"";
  EXPECT_EQ(std::system(check.c_str()), 0);
  fs::remove_all(p.dir() / ".state");
  auto strict = p.run({"-k", "coin", "--reruns", "3", "--flaky-fails"});
  EXPECT_EQ(strict.exit_code, 1) << strict.out;
  fs::remove_all(p.dir() / ".state");
  // Without --reruns the coin's first attempt is its result.
  auto plain = p.run({"-k", "coin"});
  EXPECT_EQ(plain.exit_code, 1) << plain.out;
  EXPECT_EQ(last_line(plain.out).find("rerun"), std::string::npos) << plain.out;
}

TEST(Reruns, TheCountComesFromPyprojectToo) {
  FixtureProject p("reruns");
  {
    std::ofstream py(p.dir() / "pyproject.toml");
    py << "[tool.fastest]\nreruns = 3\n";
  }
  auto r = p.run({"-k", "coin"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(last_line(r.out).find("1 flaky"), std::string::npos) << r.out;
}

TEST(Flakiness, StatsListsTheFlipRateAndQuarantineKeepsItsFailuresFromFailingTheRun) {
  FixtureProject p("reruns");
  // test_coin's attempts fail, fail, pass, fail: three recorded verdicts F F P, one flip.
  for (int expected : {1, 1, 0}) {
    auto r = p.run({"-k", "coin"}, "FASTEST_GIT_COMMIT=commit" + std::to_string(expected));
    ASSERT_EQ(r.exit_code, expected) << r.out << r.err;
  }
  auto stats = p.run({"stats", "--flaky"});
  EXPECT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.out.find("33.3%      0      1     3  commit0       test_flaky.py::test_coin"), std::string::npos)
      << stats.out;
  auto json = p.run({"stats", "--flaky", "--json"});
  EXPECT_NE(json.out.find("\"flip_rate\": 0.333"), std::string::npos) << json.out;
  auto q = p.run({"-k", "coin or passes", "--quarantine"});
  EXPECT_EQ(q.exit_code, 0) << q.out << q.err;
  EXPECT_NE(last_line(q.out).find("1 quarantined in"), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("QUARANTINED test_flaky.py::test_coin"), std::string::npos) << q.out;
  // Without --quarantine the same failure fails the run.
  EXPECT_EQ(p.run({"-k", "coin"}).exit_code, 1);
}

TEST(DbQuery, AnswersReadOnlySqlRefusesWritesAndReportsSqlErrorsWithExitFour) {
  FixtureProject p("reruns");
  ASSERT_EQ(p.run({"-k", "coin or passes", "--reruns", "3"}, "FASTEST_GIT_COMMIT=abc").exit_code, 0);
  auto q = p.run({"db", "query", "SELECT node_id, outcome, attempts, git_commit FROM v_results ORDER BY node_id"});
  EXPECT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out,
            "node_id|outcome|attempts|git_commit\n"
            "test_flaky.py::test_coin|flaky|3|abc\n"
            "test_flaky.py::test_passes|passed|1|abc\n");
  const std::string before = slurp(p.db());
  auto w = p.run({"db", "query", "DELETE FROM runs"});
  EXPECT_EQ(w.exit_code, 4);
  EXPECT_NE(w.err.find("refused"), std::string::npos) << w.err;
  EXPECT_EQ(slurp(p.db()), before);
  auto bad = p.run({"db", "query", "SELEC 1"});
  EXPECT_EQ(bad.exit_code, 4);
  EXPECT_NE(bad.err.find("syntax error"), std::string::npos) << bad.err;
  auto reg = p.run({"stats", "--regressions"});
  EXPECT_EQ(reg.exit_code, 0) << reg.err;
  EXPECT_NE(reg.out.find("Tests\n  none\n"), std::string::npos) << reg.out;
}

TEST(PlanWhatIf, ShardAndWorkerCountsWithPastAccuracy) {
  FixtureProject p("many_modules");
  ASSERT_EQ(p.run({"-n", "2"}).exit_code, 0);
  ASSERT_EQ(p.run({"-n", "2"}).exit_code, 0);
  auto shards = p.run({"plan", "--shards", "1..3", "-n", "2"});
  EXPECT_EQ(shards.exit_code, 0) << shards.err;
  EXPECT_NE(shards.out.find("predictions were within "), std::string::npos) << shards.out;
  EXPECT_NE(shards.out.find("over the last 2 runs; measured start-up "), std::string::npos) << shards.out;
  for (const char* row : {"\n      1  ", "\n      2  ", "\n      3  "})
    EXPECT_NE(shards.out.find(row), std::string::npos) << row << shards.out;
  auto workers = p.run({"plan", "-n", "1..2"});
  EXPECT_EQ(workers.exit_code, 0) << workers.err;
  EXPECT_NE(workers.out.find("floor set by"), std::string::npos) << workers.out;
  EXPECT_NE(workers.out.find("total work / 1"), std::string::npos) << workers.out;
  EXPECT_EQ(p.run({"plan", "--shards", "3..1"}).exit_code, 4);
}

// `fastest plan` plans what `fastest` runs: the ini file's addopts apply (here an
// --ignore that leaves one module out).
TEST(PlanWhatIf, AppliesTheIniFilesAddopts) {
  FixtureProject p("many_modules");
  auto all = p.run({"plan"});
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find(" tests in 6 modules;"), std::string::npos) << all.out;
  std::ofstream(p.dir() / "pytest.ini") << "[pytest]\naddopts = --ignore=tests/test_m2.py\n";
  auto ignored = p.run({"plan"});
  EXPECT_EQ(ignored.exit_code, 0) << ignored.err;
  EXPECT_NE(ignored.out.find(" tests in 5 modules;"), std::string::npos) << ignored.out;
}

TEST(PlanWhatIf, ATestTheMarkExpressionDeselectsCostsNothingAndPlanTakesRunOptions) {
  FixtureProject p("many_modules");
  std::ofstream(p.dir() / "tests" / "test_stress.py")
      << "import pytest\n\n"
      << [] {
           std::string s;
           for (int i = 0; i < 400; ++i)
             s += "@pytest.mark.stress\ndef test_s" + std::to_string(i) + "():\n    pass\n\n";
           return s;
         }();
  auto all = p.run({"plan", "-n", "1"});
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("tests/test_stress.py"), std::string::npos) << all.out;
  std::ofstream(p.dir() / "pytest.ini") << "[pytest]\naddopts = -m 'not stress'\nmarkers = stress\n";
  auto deselected = p.run({"plan", "-n", "1"});
  EXPECT_EQ(deselected.exit_code, 0) << deselected.err;
  // 400 tests at the prior each before; the module now costs its import alone.
  auto cost_of = [](const std::string& out) {
    const auto at = out.find("tests/test_stress.py");
    const auto line = out.rfind('\n', at);
    return std::stod(out.substr(line + 1, at - line - 1));
  };
  EXPECT_GT(cost_of(all.out), 1.0) << all.out;
  EXPECT_LT(cost_of(deselected.out), 0.5) << deselected.out;
  // plan takes any option of the run, -m and --python among them.
  std::ofstream(p.dir() / "pytest.ini", std::ios::trunc) << "[pytest]\nmarkers = stress\n";
  auto on_the_command_line = p.run({"plan", "-n", "1", "-m", "not stress", "--python", "/usr/bin/python3", "-q"});
  EXPECT_EQ(on_the_command_line.exit_code, 0) << on_the_command_line.err;
  EXPECT_LT(cost_of(on_the_command_line.out), 0.5) << on_the_command_line.out;
  auto unknown = p.run({"plan", "--no-such-option"});
  EXPECT_EQ(unknown.exit_code, 4);
  EXPECT_NE(unknown.err.find("unrecognized arguments: --no-such-option"), std::string::npos) << unknown.err;
  auto missing = p.run({"plan", "--shards"});
  EXPECT_EQ(missing.exit_code, 4);
  EXPECT_NE(missing.err.find("argument --shards: expected one argument"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace fastest::e2e
