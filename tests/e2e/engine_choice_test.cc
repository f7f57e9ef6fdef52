// The engine choice and the pytest engine's session-level faults, through the real binary.
// (Outcome agreement with pytest, test by test, is ctest's compat_engine_* tests.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <sstream>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

/// The Debian plugin packages unpacked by scripts/setup ("" when missing).
std::string plugins_path() {
  fs::path p = unpacked_site("plugins");
  return fs::exists(p / "pytest_mock") ? p.string() : "";
}

std::string count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return std::to_string(n);
}

TEST(EngineAuto, PlainSuiteRunsNative) {
  FixtureProject p("engine_plain");
  auto r = p.run({"-n", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("\nengine: native\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("4 passed"));
}

// The header's platform line names the workers' Python under both engines (it is sent
// when the first worker is configured, before any batch).
TEST(EngineHeader, PlatformLineNamesTheWorkersPythonUnderBothEngines) {
  FixtureProject p("engine_plain");
  for (const char* engine : {"native", "pytest"}) {
    auto r = p.run({"--engine", engine, "-n", "2"});
    EXPECT_EQ(r.exit_code, 0) << engine << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("platform linux -- Python 3.")) << engine << r.out;
  }
}

TEST(EngineAuto, MakereportHookwrapperRunsPytestAndSaysWhy) {
  FixtureProject p("engine_makereport");
  auto r = p.run({"-n", "2"});
  EXPECT_THAT(r.out, HasSubstr("engine: pytest (tests/conftest.py defines pytest_runtest_makereport (hookwrapper))"))
      << r.out << r.err;
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("2 failed, 3 passed, 1 xfailed")) << r.out;
}

TEST(EngineAuto, PytestInternalsImportRunsPytest) {
  FixtureProject p("engine_internals");
  auto r = p.run({});
  EXPECT_THAT(r.out, HasSubstr("engine: pytest (tests/conftest.py imports _pytest)")) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 failed, 2 passed")) << r.out;
}

TEST(EngineAuto, PytesterPluginRunsPytest) {
  FixtureProject p("engine_pytester");
  auto r = p.run({});
  EXPECT_THAT(r.out, HasSubstr("engine: pytest (tests/conftest.py loads plugin pytester (pytest_plugins))"))
      << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("3 passed")) << r.out;
}

TEST(EngineAuto, DashPNamingAPluginRunsPytest) {
  FixtureProject p("engine_plain");
  auto r = p.run({"-p", "pytester"});
  EXPECT_THAT(r.out, HasSubstr("engine: pytest (-p pytester)")) << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST(EngineAuto, InstalledEntryPointPluginRunsPytestUnlessDisabled) {
  ASSERT_FALSE(plugins_path().empty()) << "third_party/plugins missing (scripts/setup fetches them)";
  FixtureProject p("engine_plain");
  auto r = p.run({}, "PYTHONPATH=" + shell_quote(plugins_path()));
  EXPECT_THAT(r.out, HasSubstr("engine: pytest (plugin ")) << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto off = p.run({}, "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 PYTHONPATH=" + shell_quote(plugins_path()));
  EXPECT_THAT(off.out, HasSubstr("\nengine: native\n")) << off.out << off.err;
}

TEST(EngineNative, ForcedNativeWarnsWhatItWillNotHonour) {
  FixtureProject p("engine_makereport");
  auto r = p.run({"--engine", "native"});
  EXPECT_THAT(r.out, HasSubstr("engine: native (--engine native)")) << r.out;
  EXPECT_THAT(r.err, HasSubstr("--engine native does not honour")) << r.err;
  EXPECT_THAT(r.err, HasSubstr("tests/conftest.py defines pytest_runtest_makereport (hookwrapper)")) << r.err;
}

TEST(EngineFlag, UnknownEngineIsAUsageError) {
  FixtureProject p("engine_plain");
  auto r = p.run({"--engine", "turbo"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("argument --engine: invalid choice: 'turbo'"));
}

TEST(EngineBoth, MarkersListAndExitWithoutRunning) {
  FixtureProject p("engine_session");
  for (const char* engine : {"pytest", "native"}) {
    auto r = p.run({"--engine", engine, "-n", "2", "--markers"});
    EXPECT_EQ(r.exit_code, 0) << engine << r.out << r.err;
    EXPECT_EQ(count(r.out, "@pytest.mark.skip(reason=None)"), "1") << engine << r.out;
    EXPECT_THAT(r.out, Not(HasSubstr("passed"))) << engine << r.out;
    EXPECT_THAT(r.out, Not(HasSubstr("test session starts"))) << engine << r.out;
  }
}

TEST(EnginePytest, FixturesListsPytestsListingOnceAndRunsNothing) {
  FixtureProject p("engine_session");
  auto r = p.run({"--engine", "pytest", "-n", "2", "--fixtures"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(count(r.out, "fixtures defined from conftest"), "1") << r.out;
  EXPECT_THAT(r.out, HasSubstr("module_counter [module scope] -- tests/conftest.py:")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("worker_id [session scope] -- ")) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("fastest_worker"))) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("passed"))) << r.out;
}

TEST(EnginePytest, SessionFixturesReportHeaderAndTeardownErrors) {
  FixtureProject p("engine_session");
  auto r = p.run({"--engine", "pytest", "-n", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("engine_session header line")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("7 passed, 1 error")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("teardown broke"));
  EXPECT_THAT(r.err, Not(HasSubstr("worker ended badly"))) << r.err;
}

TEST(EnginePytest, PluginThatFailsToImportIsPytestsTracebackReportedOnce) {
  FixtureProject p("engine_plain");
  auto r = p.run({"--engine", "pytest", "-n", "2", "-p", "no_such_plugin_here"});
  // pytest 7.2.1 lets the ImportError escape pytest.main: a traceback and exit 1.
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("Traceback (most recent call last):")) << r.err;
  EXPECT_THAT(r.err, HasSubstr("Error importing plugin \"no_such_plugin_here\"")) << r.err;
  EXPECT_EQ(count(r.err + r.out, "Error importing plugin \"no_such_plugin_here\""), "1") << r.err;
}

/// A conftest that kills the worker in pytest_configure: one start-up error (exit 3), no
/// crash loop, and no module blamed (none was handed to a worker). Returns stderr.
std::string expect_one_start_up_error(const std::string& engine, const std::string& workers) {
  FixtureProject p("engine_startup_crash");
  auto b = p.start({"--engine", engine, "-n", workers});
  auto r = p.wait(b, 120);
  EXPECT_TRUE(r.finished) << r.out << r.err;
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(count(r.err, "worker start-up failed"), "1") << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("ERROR collecting"))) << r.out;
  return r.err;
}

std::vector<std::string> outcome_lines(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);)
    if (l.starts_with("PASSED ") || l.starts_with("FAILED ") || l.starts_with("ERROR ")) lines.push_back(l);
  std::sort(lines.begin(), lines.end());
  return lines;
}

// A conftest's pytest_collect_file collects non-python files (pytest's "Working with
// non-python tests"): auto picks the pytest engine, and discovery hands its worker every
// file that hook may collect. Before, the YAML tests were never run (1 passed, exit 0).
TEST(EnginePytest, ConftestCollectFileTestsRunAsInPytest) {
  FixtureProject p("conftest_collect_file");
  const RunOutput want = run_pytest(p, "-p no:cacheprovider -rA");
  ASSERT_EQ(want.exit_code, 1) << want.out;
  ASSERT_THAT(want.out, HasSubstr("1 failed, 3 passed")) << want.out;
  for (const char* n : {"1", "2"}) {
    auto r = p.run({"-n", n, "-p", "no:cacheprovider", "-rA"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("1 failed, 3 passed")) << r.out;
    EXPECT_EQ(outcome_lines(r.out), outcome_lines(want.out)) << r.out;
  }
  auto listing = p.run({"--collect-only", "-q", "-p", "no:cacheprovider"});
  EXPECT_THAT(listing.out,
              HasSubstr("test_data.yaml::a\ntest_data.yaml::b\ntest_p.py::test_x\nsub/test_more.yaml::c\n"))
      << listing.out;
}

TEST(EnginePytest, StartUpCrashIsOneClearErrorNotACrashLoop) {
  EXPECT_THAT(expect_one_start_up_error("pytest", "1"), HasSubstr("signal 11 (SIGSEGV)"));
}

// The native engine waits for its workers' start-up too: not every module's collection error.
TEST(EngineNative, StartUpCrashIsOneClearErrorNotEveryModulesCollectionError) {
  expect_one_start_up_error("native", "2");
}

TEST(EnginePytest, RealDebianPluginsWork) {
  ASSERT_FALSE(plugins_path().empty()) << "third_party/plugins missing (scripts/setup fetches them)";
  FixtureProject p("engine_plugins");
  auto r = p.run({"-n", "2"}, "PYTHONPATH=" + shell_quote(plugins_path()));
  EXPECT_THAT(r.out, HasSubstr("engine: pytest (plugin ")) << r.out << r.err;
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("3 failed, 6 passed")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("Timeout")) << r.out;
}

// With pytest-timeout loaded, --timeout (command line or addopts) is that plugin's, as in pytest:
// its marks override it and its failure text is pytest-timeout's. Before, fastest killed the
// marked tests at 1 s (2 failed, 2 passed against pytest's 1 failed, 3 passed).
TEST(EnginePytest, PytestTimeoutOwnsTheTimeoutOption) {
  ASSERT_FALSE(plugins_path().empty()) << "third_party/plugins missing (scripts/setup fetches them)";
  FixtureProject p("plugin_timeout_option");
  const std::string env = "PYTHONPATH=" + shell_quote(plugins_path());
  const RunOutput want = run_pytest(p, "-p no:cacheprovider -q --timeout=1", env);
  ASSERT_THAT(want.out, HasSubstr("1 failed, 3 passed")) << want.out;
  for (const char* n : {"1", "2"}) {
    auto r = p.run({"-n", n, "-p", "no:cacheprovider", "-q", "--timeout=1"}, env);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("1 failed, 3 passed")) << r.out;
    EXPECT_THAT(r.out, HasSubstr("Failed: Timeout >1.0s")) << r.out;
  }
}

std::string summary_line(const std::string& out) {
  auto end = out.rfind(" in ");
  auto start = out.rfind('\n', end);
  return end == std::string::npos || start == std::string::npos ? out : out.substr(start + 1, end - start - 1);
}

// pytest-rerunfailures, when it loads, reruns in the pytest engine as in pytest: its flaky
// marks and --reruns (handed over, not run twice), "N rerun", a pass after reruns stays
// passed. Before: its `rerun` reports were an unknown outcome (errors), and --reruns ran
// both its reruns and fastest's.
TEST(EnginePytest, RerunfailuresOwnsItsRerunsAndWords) {
  const fs::path site = unpacked_site("rerunfailures");
  ASSERT_TRUE(fs::exists(site / "pytest_rerunfailures.py")) << "third_party/rerunfailures missing (scripts/setup)";
  const std::string env = "PYTHONPATH=" + shell_quote(site.string());
  for (const std::string extra : {"", "--reruns 1"}) {
    FixtureProject want_p("plugin_rerunfailures");
    const RunOutput want = run_pytest(want_p, "-p no:cacheprovider -rA " + extra, env);
    ASSERT_EQ(want.exit_code, 1) << want.out;
    for (const char* n : {"1", "2"}) {
      FixtureProject p("plugin_rerunfailures");
      std::vector<std::string> args = {"-n", n, "-p", "no:cacheprovider", "-rA"};
      if (!extra.empty()) args.insert(args.end(), {"--reruns", "1"});
      auto r = p.run(args, env);
      EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
      EXPECT_EQ(summary_line(r.out), summary_line(want.out)) << extra << "\n" << r.out << "\n" << want.out;
      EXPECT_THAT(r.out, Not(HasSubstr("unknown outcome"))) << r.out;
      for (const char* line : {"PASSED test_rerun.py::test_flaky_passes_second",
                               "FAILED test_rerun.py::test_always_fails", "ERROR test_rerun.py::test_setup_error"})
        EXPECT_EQ(r.out.find(line) != std::string::npos, want.out.find(line) != std::string::npos) << line << r.out;
    }
  }
}

/// The lines after pytest's "short test summary info" rule, up to the closing rule.
std::string short_summary(const std::string& out) {
  auto at = out.find(" short test summary info ");
  if (at == std::string::npos) return "";
  at = out.find('\n', at) + 1;
  return out.substr(at, out.rfind("\n=") + 1 - at);
}

/// The lines of `text`, sorted (two workers may finish a split module's tests in either order).
std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::sort(lines.begin(), lines.end());
  return lines;
}

/// The progress lines: those that start with `file` and end with a percentage.
std::string progress_lines(const std::string& out, const std::string& file) {
  std::string kept;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);)
    if (l.starts_with(file) && l.ends_with("%]")) kept += l + "\n";
  return kept;
}

/// The PASSES section's text (its rule to the next '=' rule or the JUnit line).
std::string passes_section(const std::string& out) {
  auto at = out.find(" PASSES ");
  if (at == std::string::npos) return "";
  auto end = out.find("\n=", at);
  if (auto xml = out.find(" generated xml file: ", at); xml < end) end = out.rfind('\n', xml);
  return out.substr(at, end - at);
}

/// pytest's JUnit shape: the testsuite's counts, then each testcase's name with its
/// children's tags, the testcases sorted (two workers finish them in either order).
std::string junit_children(const std::string& xml) {
  static const std::regex suite(R"re(<testsuite [^>]*errors="(\d+)" failures="(\d+)" skipped="(\d+)" tests="(\d+)")re");
  static const std::regex child(R"re(<testcase [^>]*name="([^"]*)"|<(failure|error|skipped) )re");
  std::smatch m;
  std::string shape = std::regex_search(xml, m, suite) ? m[0].str().substr(m[0].str().find("errors=")) : "?";
  std::vector<std::string> cases;
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), child); it != std::sregex_iterator(); ++it) {
    if ((*it)[1].matched)
      cases.push_back((*it)[1].str());
    else if (!cases.empty())
      cases.back() += " <" + (*it)[2].str();
  }
  std::sort(cases.begin(), cases.end());
  for (const auto& c : cases) shape += " | " + c;
  return shape;
}

// pytest-subtests' reports are pytest's reports of their own: each subtest counts under
// its plugin's category ("3 failed, 3 passed, 4 subtests passed"), its letter in the
// progress (',' 'u'), its word at -v (SUBPASS, SUBFAIL) and in the short summary (SUBFAIL
// lines among the FAILED ones), its <failure> in the test's JUnit testcase; the test's own
// report passes. A unittest subTest failure is logged under the test's fd capture: its
// letter is in the test's captured stdout (-rA's PASSES), not the progress. Before: the
// failures were folded into the test ("2 failed, 1 passed"), pytest's words nowhere.
TEST(EnginePytest, SubtestReportsCountAndShowAsInPytest) {
  const fs::path site = unpacked_site("subtests");
  ASSERT_TRUE(fs::exists(site / "pytest_subtests.py")) << "third_party/subtests missing (scripts/setup)";
  const std::string env = "PYTHONPATH=" + shell_quote(site.string());
  FixtureProject p("plugin_subtests");
  const RunOutput want = run_pytest(p, "-p no:cacheprovider -rA --junitxml=pytest.xml", env);
  ASSERT_EQ(want.exit_code, 1) << want.out;
  ASSERT_EQ(summary_line(want.out), "================ 3 failed, 3 passed, 4 subtests passed") << want.out;
  const RunOutput want_v = run_pytest(p, "-p no:cacheprovider -v", env);
  const std::string want_xml = junit_children(slurp(p.dir() / "pytest.xml"));
  for (const char* n : {"1", "2"}) {
    auto r = p.run({"-n", n, "-p", "no:cacheprovider", "-rA", "--junitxml=fastest.xml"}, env);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(summary_line(r.out), summary_line(want.out)) << r.out;
    EXPECT_EQ(junit_children(slurp(p.dir() / "fastest.xml")), want_xml) << n;
    EXPECT_THAT(r.out, HasSubstr(" test_sub [i] (i=1) ")) << r.out;
    EXPECT_THAT(r.out, HasSubstr("E               AssertionError: 2 not less than 2")) << r.out;
    if (std::string(n) == "2") {
      EXPECT_EQ(sorted_lines(short_summary(r.out)), sorted_lines(short_summary(want.out))) << r.out;
      continue;
    }
    // One worker runs the module in pytest's order: the same lines, letters and words
    // (two may split it).
    EXPECT_EQ(short_summary(r.out), short_summary(want.out)) << r.out;
    EXPECT_EQ(progress_lines(r.out, "test_sub.py"), progress_lines(want.out, "test_sub.py")) << r.out;
    EXPECT_EQ(passes_section(r.out), passes_section(want.out)) << r.out;
    auto v = p.run({"-n", n, "-p", "no:cacheprovider", "-v"}, env);
    EXPECT_EQ(progress_lines(v.out, "test_sub.py::"), progress_lines(want_v.out, "test_sub.py::")) << v.out;
    EXPECT_THAT(v.out, HasSubstr("\ntest_sub.py::T::test_ut \ntest_sub.py::T::test_ut PASSED")) << v.out;
  }
}

// A conftest's pytest_report_teststatus: a category of its own ("2 slowpoke", letter S,
// word SLOW) and other words for pytest's own one (letter o, -v and -rA word OK), as
// pytest's terminal takes them. Before: a plugin's category fell back on the outcome and
// its letters and words were pytest's.
TEST(EnginePytest, PluginTestStatusWordsAsInPytest) {
  FixtureProject p("report_status");
  const RunOutput want = run_pytest(p, "-p no:cacheprovider -rA");
  ASSERT_EQ(want.exit_code, 1) << want.out;
  ASSERT_THAT(want.out, HasSubstr("1 failed, 2 passed, 2 slowpoke in ")) << want.out;
  const RunOutput want_v = run_pytest(p, "-p no:cacheprovider -v");
  for (const char* n : {"1", "2"}) {
    auto r = p.run({"-n", n, "--engine", "pytest", "-p", "no:cacheprovider", "-rA"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(summary_line(r.out), summary_line(want.out)) << r.out;
    EXPECT_EQ(sorted_lines(short_summary(r.out)), sorted_lines(short_summary(want.out))) << r.out;
    if (std::string(n) == "2") continue;  // two workers may split the module: other lines
    EXPECT_EQ(short_summary(r.out), short_summary(want.out)) << r.out;
    EXPECT_EQ(progress_lines(r.out, "test_status.py"), progress_lines(want.out, "test_status.py")) << r.out;
    auto v = p.run({"-n", n, "--engine", "pytest", "-p", "no:cacheprovider", "-v"});
    EXPECT_EQ(progress_lines(v.out, "test_status.py::"), progress_lines(want_v.out, "test_status.py::")) << v.out;
  }
}

// pytest-forked runs a marked test in a child: a child that dies gives a report whose phase
// is '???' and whose longrepr has no crash line. pytest's JUnit makes it an <error> ("failed
// on setup with ...") though its summary says failed, and its short summary shows no message
// for either forked failure. Before: a <failure>, and each line had its text's last line.
TEST(EnginePytest, ForkedCrashIsAJunitErrorAsInPytest) {
  const fs::path site = unpacked_site("forked");
  ASSERT_TRUE(fs::exists(site / "pytest_forked")) << "third_party/forked missing (scripts/setup)";
  const std::string env = "PYTHONPATH=" + shell_quote(site.string());
  FixtureProject p("plugin_forked");
  const RunOutput want = run_pytest(p, "-p no:cacheprovider -rA --junitxml=pytest.xml", env);
  ASSERT_EQ(want.exit_code, 1) << want.out;
  ASSERT_THAT(want.out, HasSubstr("2 failed, 2 passed")) << want.out;
  const std::string want_xml = slurp(p.dir() / "pytest.xml");
  auto testcase = [](const std::string& xml, const std::string& name) {
    auto at = xml.find("name=\"" + name + "\"");
    return at == std::string::npos ? std::string() : xml.substr(at, xml.find("</testcase>", at) - at);
  };
  auto without_time = [](std::string t) {
    auto at = t.find(" time=\"");
    if (at != std::string::npos) t.erase(at, t.find('"', at + 7) + 1 - at);
    return t;
  };
  ASSERT_THAT(testcase(want_xml, "test_child_dies"), HasSubstr("<error message=\"failed on setup with")) << want_xml;
  for (const char* n : {"1", "2"}) {
    auto r = p.run({"-n", n, "-p", "no:cacheprovider", "-rA", "--junitxml=fastest.xml"}, env);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(summary_line(r.out), summary_line(want.out)) << r.out;
    EXPECT_EQ(outcome_lines(r.out), outcome_lines(want.out)) << r.out;
    const std::string xml = slurp(p.dir() / "fastest.xml");
    EXPECT_THAT(xml, HasSubstr("errors=\"1\" failures=\"1\"")) << xml;
    for (const char* name : {"test_child_dies", "test_fails_in_a_child", "test_plain"})
      EXPECT_EQ(without_time(testcase(xml, name)), without_time(testcase(want_xml, name))) << name << "\n" << xml;
  }
}

// pytest-helpers-namespace registers, at session start, a plugin object any attribute of
// which is a callable that raises. The engine's start-up looked for a conftest's own
// worker_id through every plugin's attributes and died on it: nothing ran, exit 3.
TEST(EnginePytest, APluginObjectWhoseAttributesRaiseDoesNotStopStartUp) {
  FixtureProject p("engine_raising_plugin");
  const RunOutput want = run_pytest(p, "-p no:cacheprovider -rA");
  ASSERT_EQ(want.exit_code, 1) << want.out;
  for (const char* n : {"1", "2"}) {
    auto r = p.run({"-n", n, "--engine", "pytest", "-p", "no:cacheprovider", "-rA"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(summary_line(r.out), summary_line(want.out)) << r.out << r.err;
    EXPECT_EQ(outcome_lines(r.out), outcome_lines(want.out)) << r.out;
  }
}

// pytest_terminal_summary of a conftest and of pytest-benchmark, at pytest's place: after
// FAILURES, before the short summary; a section every worker writes alike comes once.
TEST(EnginePytest, PluginsTerminalSummaryIsPrintedWherePytestPrintsIt) {
  ASSERT_FALSE(plugins_path().empty()) << "third_party/plugins missing (scripts/setup fetches them)";
  FixtureProject p("engine_terminal_summary");
  for (const char* n : {"1", "2"}) {
    auto r = p.run({"-n", n, "--engine", "pytest", "--benchmark-max-time=0.001", "--benchmark-min-rounds=1"},
                   "PYTHONPATH=" + shell_quote(plugins_path()));
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(count(r.out, "project footer"), "1") << r.out;
    EXPECT_THAT(r.out, HasSubstr("-------------------------------- project footer --------------------------------\n"
                                 "see docs/testing.md\n"
                                 "printed from the summary hook\n"))
        << r.out;
    EXPECT_EQ(count(r.out, "benchmark: 1 tests"), "1") << r.out;
    auto failures = r.out.find("test_one.py:6: AssertionError");
    auto footer = r.out.find("project footer");
    auto table = r.out.find("benchmark: 1 tests");
    auto short_summary = r.out.find("short test summary info");
    EXPECT_LT(failures, footer) << r.out;
    EXPECT_LT(footer, short_summary) << r.out;
    EXPECT_LT(table, short_summary) << r.out;
    EXPECT_THAT(r.out, HasSubstr("1 failed, 2 passed")) << r.out;
  }
}

// A summary section counting the terminal reporter's stats reads every worker's reports
// (as xdist's controller has them), and so does one printing what its
// pytest_runtest_logreport gathered (xdist's controller calls that hook with every
// worker's reports); the section is printed once: what serial pytest and xdist print.
TEST(EnginePytest, TerminalSummaryReadsEveryWorkersStats) {
  FixtureProject p("engine_summary_stats");
  for (const char* n : {"1", "2", "3"}) {
    auto r = p.run({"-n", n, "--engine", "pytest", "-p", "no:cacheprovider"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(count(r.out, "outcome counts"), "1") << n << r.out;
    EXPECT_THAT(r.out, HasSubstr("passed=6 failed=2 skipped=4\n"
                                 "failed: ['test_m2.py::test_b', 'test_m4.py::test_b']\n"
                                 "logreport saw failed: ['test_m2.py::test_b', 'test_m4.py::test_b']\n"))
        << n << r.out;
  }
}

// hooks/conftest.py holds no test, so no batch reaches it: pytest's walk imports it all the
// same (its modifyitems deselects, its sessionfinish and summary run). One that fails to
// import fails that walk: the session's collection error, in pytest's text, shown once.
TEST(EnginePytest, AConftestNoBatchReachesRunsItsSessionHooks) {
  FixtureProject p("engine_session_conftests");
  for (const char* n : {"1", "2"}) {
    auto r = p.run({"-n", n, "--engine", "pytest"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("8 passed, 2 skipped, 1 deselected")) << r.out;
    EXPECT_EQ(count(r.out, "hooks footer"), "1") << r.out;
    EXPECT_THAT(r.out, HasSubstr("sessionfinish ran: True\n")) << r.out;
  }
  fs::create_directories(p.dir() / "broken");
  std::ofstream(p.dir() / "broken" / "conftest.py") << "raise RuntimeError('boom')\n";
  std::ofstream(p.dir() / "broken" / "test_broken.py") << "def test_x():\n    pass\n";
  auto r = p.run({"-n", "2", "--engine", "pytest"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("broken/conftest.py:1: in <module>\n    raise RuntimeError('boom')\n"
                               "E   RuntimeError: boom\n"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr(" ERROR collecting test session ")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\nERROR  - RuntimeError: boom\n")) << r.out;
  EXPECT_EQ(count(r.out, "ERROR collecting"), "1") << r.out;
  EXPECT_THAT(r.err, Not(HasSubstr("crashed"))) << r.err;
}

// A raising pytest_ignore_collect fails the collector whose walk asked, as in pytest 7.2.1
// (and the native engine, HookErrors): the session for a file outside any package, the
// package for a file inside one; pluggy's frames shown, as pytest shows them.
TEST(EnginePytest, RaisingIgnoreCollectFailsTheAskingCollectorAsPytest) {
  FixtureProject p("hook_errors");
  fs::copy_file(p.dir() / "variants" / "ignore_collect.py", p.dir() / "conftest.py",
                fs::copy_options::overwrite_existing);
  const std::string frames =
      "/pluggy/_manager.py:80: in _hookexec\n"
      "    return self._inner_hookexec(hook_name, methods, kwargs, firstresult)\n"
      "conftest.py:3: in pytest_ignore_collect\n"
      "    raise RuntimeError(\"ignore boom\")\n"
      "E   RuntimeError: ignore boom\n";
  for (const char* n : {"1", "2"}) {
    auto r = p.run({"-n", n, "--engine", "pytest", "-p", "no:cacheprovider"});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("\ncollected 0 items / 1 error\n")) << r.out;
    EXPECT_THAT(r.out, HasSubstr(" ERROR collecting test session ")) << r.out;
    EXPECT_THAT(r.out, HasSubstr(frames)) << r.out;
    EXPECT_THAT(r.out, HasSubstr("\nERROR  - RuntimeError: ignore boom\n")) << r.out;
    EXPECT_THAT(r.out, HasSubstr("Interrupted: 1 error during collection")) << r.out;
    EXPECT_THAT(r.out, HasSubstr("= 1 error in ")) << r.out;
  }
  fs::create_directories(p.dir() / "pkg");
  std::ofstream(p.dir() / "pkg" / "__init__.py") << "";
  fs::rename(p.dir() / "test_one.py", p.dir() / "pkg" / "test_one.py");
  fs::rename(p.dir() / "test_two.py", p.dir() / "pkg" / "test_two.py");
  auto r = p.run({"-n", "2", "--engine", "pytest", "-p", "no:cacheprovider"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(" ERROR collecting pkg/__init__.py ")) << r.out;
  EXPECT_THAT(r.out, HasSubstr(frames)) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\nERROR pkg/__init__.py - RuntimeError: ignore boom\n")) << r.out;
}

TEST(Verify, AgreesOnAPlainSuiteAndNamesTheEngine) {
  FixtureProject p("engine_plain");
  auto r = p.run({"verify", "-n", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("agreement: 100.00% (0 differ)")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("engine: native")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("ratio:")) << r.out;
}

// With pytest-timeout loading, --timeout is its option in both runs: pytest fails the one
// test over the command line's limit, not none.
TEST(Verify, GivesPytestTimeoutsTimeoutToThePytestRunToo) {
  ASSERT_FALSE(plugins_path().empty()) << "third_party/plugins missing (scripts/setup fetches them)";
  FixtureProject p("plugin_timeout_option");
  auto r = p.run({"verify", "-n", "2", "-p", "no:cacheprovider", "--timeout=1"},
                 "PYTHONPATH=" + shell_quote(plugins_path()));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("tests compared: 4 (pytest: 1 failed, 3 passed)")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("agreement: 100.00% (0 differ)")) << r.out;
}

TEST(Verify, ForcedNativeOnAHookwrapperSuiteShowsEachDifference) {
  FixtureProject p("engine_makereport");
  auto r = p.run({"verify", "--engine", "native"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("DIFF    tests.test_reports::test_passes: pytest=passed fastest=error")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("verify: outcomes differ")) << r.out;
}

}  // namespace
}  // namespace fastest::e2e
