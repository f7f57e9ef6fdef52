// End-to-end: pytest behaviours of the native engine that span the controller (issue 7).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// pytest.exit() in pytest_collection_modifyitems: pytest collects the whole session
// first, so it runs no test; its exit code, "no tests ran", the Exit line.
TEST(CollectionExit, ExitInModifyItemsRunsNoTestAsPytest) {
  FixtureProject p("collect_exit");
  // The pytest engine's worker says its fatal came during collection, as the native one.
  for (const char* engine : {"native", "pytest"})
    for (const char* workers : {"1", "2"}) {
      auto r = p.run(
          {"-n", workers, "--engine", engine, "--schedule", "fifo", "--junitxml", "j.xml", "-p", "no:cacheprovider"});
      EXPECT_EQ(r.exit_code, 3) << engine << r.out << r.err;
      EXPECT_THAT(r.out, HasSubstr(" no tests ran in ")) << r.out;
      EXPECT_THAT(r.out, Not(HasSubstr("passed"))) << r.out;
      EXPECT_THAT(r.err, HasSubstr("!!! _pytest.outcomes.Exit: enough !!!")) << r.err;
      EXPECT_THAT(slurp(p.dir() / "j.xml"), HasSubstr("tests=\"0\"")) << slurp(p.dir() / "j.xml");
    }
}

// A conftest collection hook that raises, as pytest 7.2.1 reports it (pluggy's frames aside).
class HookErrors : public ::testing::Test {
 protected:
  RunOutput run_with(const std::string& variant, const std::vector<std::string>& extra = {},
                     const std::string& engine = "native") {
    fs::copy_file(m_p.dir() / "variants" / (variant + ".py"), m_p.dir() / "conftest.py",
                  fs::copy_options::overwrite_existing);
    std::vector<std::string> args{"--engine", engine, "-p", "no:cacheprovider", "-n", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    return m_p.run(args);
  }
  FixtureProject m_p{"hook_errors"};
};

TEST_F(HookErrors, GenerateTestsIsThatModulesCollectionError) {
  auto r = run_with("generate_tests");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("conftest.py:3: in pytest_generate_tests\n    raise RuntimeError(\"gen boom\")\n"
                               "E   RuntimeError: gen boom\n"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("ERROR test_one.py - RuntimeError: gen boom\n")) << r.out;
}

// pytest 7.2.1: the hook is asked by the session's directory walk, so the session's own
// collection fails: no item, one error (however many modules' checks raise it).
TEST_F(HookErrors, IgnoreCollectFailsTheSessionsCollectionOnce) {
  auto r = run_with("ignore_collect", {"--junitxml", "j.xml"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("\ncollected 0 items / 1 error\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr(" ERROR collecting test session ")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("conftest.py:3: in pytest_ignore_collect\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\nERROR  - RuntimeError: ignore boom\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("Interrupted: 1 error during collection")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("= 1 error in ")) << r.out;
  EXPECT_THAT(slurp(m_p.dir() / "j.xml"), HasSubstr("<testcase classname=\"\" name=\"\""))
      << slurp(m_p.dir() / "j.xml");
}

TEST_F(HookErrors, ModifyItemsIsAnInternalErrorBeforeAnyTest) {
  auto r = run_with("modifyitems");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  // On stdout, as pytest's terminal reporter prints it once the session started.
  EXPECT_THAT(r.out, HasSubstr("INTERNALERROR> RuntimeError: modify boom\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr(" no tests ran in ")) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("passed"))) << r.out;
}

// The pytest engine: what escapes a batch's perform_collect (a raising modifyitems hook;
// pluggy's check_pending on a pytest_* name no hookspec declares) is pytest's INTERNALERROR,
// exit 3, no test run; it was that module's collection error (exit 2).
TEST_F(HookErrors, CollectionHookErrorsAreInternalErrorsUnderThePytestEngine) {
  for (const auto& [variant, shown] :
       {std::pair{"modifyitems", "INTERNALERROR> RuntimeError: modify boom\n"},
        std::pair{"unknown_hook", "PluginValidationError: unknown hook 'pytest_funcarg__thing' in plugin"}}) {
    auto r = run_with(variant, {}, "pytest");
    EXPECT_EQ(r.exit_code, 3) << variant << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr(shown)) << r.out;
    EXPECT_THAT(r.out, HasSubstr(" no tests ran in ")) << r.out;
    EXPECT_THAT(r.out, Not(HasSubstr("passed"))) << r.out;
  }
}

TEST_F(HookErrors, ReportHeaderIsAnInternalErrorUnlessQuiet) {
  auto r = run_with("report_header");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("INTERNALERROR> RuntimeError: header boom\n")) << r.err;
  // pytest asks for the header only when it prints one.
  for (const char* flag : {"-q", "--no-header"}) {
    auto q = run_with("report_header", {flag});
    EXPECT_EQ(q.exit_code, 0) << flag << q.out << q.err;
    EXPECT_THAT(q.out, HasSubstr("4 passed")) << q.out;
  }
}

// pytest: an exception out of pytest_sessionfinish / pytest_unconfigure escapes pytest.main,
// so Python prints its traceback and the exit status is 1 (pytest.exit(returncode=N): N).
TEST_F(HookErrors, SessionFinishIsPytestsUncaughtErrorExitOne) {
  const std::vector<std::pair<std::string, std::string>> cases = {{"sessionfinish", "RuntimeError: finish boom\n"},
                                                                  {"unconfigure", "RuntimeError: unconfigure boom\n"}};
  for (const auto& [variant, want] : cases) {
    auto r = run_with(variant);
    EXPECT_EQ(r.exit_code, 1) << variant << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("Traceback (most recent call last):\n")) << r.err;
    EXPECT_THAT(r.err, HasSubstr("conftest.py\", line 2, in pytest_")) << r.err;
    EXPECT_THAT(r.err, HasSubstr(want)) << r.err;
    // Two workers, one session as pytest shows it: the traceback once.
    EXPECT_EQ(r.err.find("Traceback"), r.err.rfind("Traceback")) << r.err;
    // pytest's terminal reporter wraps pytest_sessionfinish: after it raised, no summary.
    if (variant == "sessionfinish") {
      EXPECT_THAT(r.out, Not(HasSubstr("passed"))) << r.out;
      EXPECT_THAT(r.out, HasSubstr("[100%]")) << r.out;
    } else {
      EXPECT_THAT(r.out, HasSubstr("4 passed")) << r.out;
    }
  }
  auto e = run_with("sessionfinish_exit");
  EXPECT_EQ(e.exit_code, 7) << e.out << e.err;
  EXPECT_THAT(e.err, HasSubstr("Exit: finish exit\n")) << e.err;
  EXPECT_THAT(e.out, Not(HasSubstr("passed"))) << e.out;
}

// pytest 7.2.1's duplicate arguments: a file argument collects the module afresh, node ids of
// functions share items, a directory walk skips what an earlier walk collected unless
// --keep-duplicates (counts measured with pytest; fixture dup_args: 3 + 3 tests).
TEST(DuplicateArguments, RunAsPytestRunsThem) {
  FixtureProject p("dup_args");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"test_t.py::test_a", "test_t.py"}, "4 passed"},
      {{"test_t.py::test_a", "test_t.py::test_a"}, "1 passed"},
      {{"test_t.py", "test_t.py::test_a"}, "4 passed"},
      {{"test_t.py::TestC", "test_t.py::TestC::test_m"}, "2 passed"},
      {{"test_t.py::test_a", "test_t.py::TestC", "test_t.py"}, "5 passed"},
      {{"sub", "sub"}, "3 passed"},
      {{"--keep-duplicates", "sub", "sub"}, "6 passed"},
      {{".", "test_t.py"}, "9 passed"},
      {{".", "sub"}, "6 passed"},
  };
  for (const char* workers : {"1", "2"})
    for (const auto& [args, want] : cases) {
      std::vector<std::string> a{"-n", workers, "-p", "no:cacheprovider", "-q"};
      a.insert(a.end(), args.begin(), args.end());
      auto r = p.run(a);
      EXPECT_EQ(r.exit_code, 0) << args[0] << " " << args[1] << r.out << r.err;
      EXPECT_THAT(r.out, HasSubstr("\n" + want + " in ")) << args[0] << " " << args[1] << "\n" << r.out;
    }
}

/// How often `what` occurs in `text`.
std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(DuplicateArguments, EveryRunOfATestIsReportedAndRecorded) {
  FixtureProject p("dup_args");
  auto r = p.run({"-n", "2", "--junitxml", "j.xml", "--json", "r.json", "test_t.py::test_a", "test_t.py"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(" 4 passed in ")) << r.out;
  const std::string junit = slurp(p.dir() / "j.xml");
  EXPECT_THAT(junit, HasSubstr("tests=\"4\"")) << junit;
  EXPECT_EQ(count(junit, "name=\"test_a\""), 2u) << junit;
  EXPECT_EQ(count(slurp(p.dir() / "r.json"), "\"nodeid\": \"test_t.py::test_a\""), 2u) << slurp(p.dir() / "r.json");
  auto q = p.run({"db", "query", "SELECT (SELECT count(*) FROM v_results), (SELECT count(*) FROM v_repeats)"});
  EXPECT_EQ(q.exit_code, 0) << q.err;
  EXPECT_THAT(q.out, HasSubstr("3|1")) << q.out;
  auto co = p.run({"--collect-only", "-q", "test_t.py::test_a", "test_t.py"});
  EXPECT_THAT(co.out, HasSubstr("4 tests collected")) << co.out;
  EXPECT_EQ(count(co.out, "test_t.py::test_a\n"), 2u) << co.out;
}

/// stdout of `cmd` run in `dir`.
std::string output_of(const fs::path& dir, const std::string& cmd) {
  std::string out;
  FILE* f = popen(("cd " + shell_quote(dir.string()) + " && " + cmd + " 2>&1").c_str(), "r");
  if (!f) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

/// From the first "=====" line up to (without) the closing summary line.
std::string report_sections(const std::string& out) {
  auto from = out.find("\n====");
  auto to = out.rfind("\n====");
  return from == std::string::npos || to <= from ? out : out.substr(from, to - from);
}

// Failure sections and the short summary byte for byte as pytest 7.2.1 prints them: the
// empty line before a long traceback entry, chained exceptions, unittest's own frames left
// out, a strict XPASS without a crash message, "reason: " of an imperative xfail, the
// empty parameter set's 0-based line.
TEST(FailureText, SectionsAndShortSummaryAsPytest) {
  FixtureProject p("failure_text");
  for (const char* tb : {"--tb=auto", "--tb=short", "--tb=long", "--tb=line"}) {
    const std::string args = std::string(" -p no:cacheprovider -q -rA ") + tb;
    const std::string want = report_sections(output_of(p.dir(), shell_quote(test_python()) + " -m pytest" + args));
    auto r = p.run({"-n", "1", "--engine", "native", "-p", "no:cacheprovider", "-q", "-rA", tb});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    ASSERT_THAT(want, HasSubstr("FAILURES")) << want;
    EXPECT_EQ(report_sections(r.out), want) << tb;
  }
}

/// The lines of `text`, each without its line break.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// The `E` lines of a run's output.
std::string e_lines(const std::string& out) {
  std::string kept;
  for (const auto& line : lines_of(out))
    if (line.rfind("E ", 0) == 0) kept += line + "\n";
  return kept;
}

// pytest 7.2.1's assertion explanations: "Use -v to get more diff" below -v, the full
// diff at -v (or on CI: $CI / $BUILD_NUMBER set), explanations cut at 8 lines / 640
// characters below -vv unless on CI, whole reprs at -vv, no `where` line for a subscript,
// and pytest.register_assert_rewrite'd helper modules explained like test modules.
TEST(FailureText, AssertionExplanationsAsPytest) {
  FixtureProject p("failure_text");
  for (const char* ci : {"env -u CI -u BUILD_NUMBER", "CI=1"})
    for (const char* v : {"-q", "-v", "-vv"}) {
      const std::string args = std::string(" -p no:cacheprovider ") + v + " test_explain.py test_helpers.py";
      const std::string want =
          e_lines(output_of(p.dir(), std::string(ci) + " " + shell_quote(test_python()) + " -m pytest" + args));
      auto r = p.run(
          {"-n", "1", "--engine", "native", "-p", "no:cacheprovider", v, "test_explain.py", "test_helpers.py"}, ci);
      EXPECT_EQ(r.exit_code, 1) << r.err;
      ASSERT_THAT(want, HasSubstr("E  ")) << want;
      EXPECT_EQ(e_lines(r.out), want) << ci << " " << v;
    }
}

/// `text` without the traceback entries in pytest's own files (`.../_pytest/...: in name` and
/// its source line): where pytest's import frames stand the harness has its own, not shown.
std::string without_pytest_frames(const std::string& text) {
  std::string kept;
  bool skip_next = false;
  for (const auto& line : lines_of(text)) {
    const bool pytest_frame = line.find("/_pytest/") != std::string::npos && line.find(": in ") != std::string::npos;
    if (!pytest_frame && !skip_next) kept += line + "\n";
    skip_next = pytest_frame;
  }
  if (!text.empty() && text.back() != '\n' && !kept.empty()) kept.pop_back();
  return kept;
}

/// pytest and fastest (`-n 1 --engine native -p no:cacheprovider -rCHARS`) on one fixture:
/// both outputs, after checking that pytest printed `shown` (the fixture still says what
/// the test is about) and that the exit codes agree.
struct SideBySide {
  RunOutput want;
  RunOutput got;
};
SideBySide native_beside_pytest(const FixtureProject& p, const std::string& report_chars, const std::string& shown) {
  SideBySide r{run_pytest(p, "-p no:cacheprovider " + report_chars), {}};
  r.got = p.run({"-n", "1", "--engine", "native", "-p", "no:cacheprovider", report_chars});
  EXPECT_EQ(r.got.exit_code, r.want.exit_code) << r.got.out << r.got.err;
  EXPECT_THAT(r.want.out, HasSubstr(shown)) << r.want.out;
  return r;
}

// A module that does not compile, one whose import raises ImportError, one whose import
// raises something else: each module's ERROR collecting section as pytest 7.2.1 prints it
// (the SyntaxError from the worker's import, with Python's caret lines and the frames of the
// import; pytest's own frames aside), the collected line and the short summary.
TEST(CollectionErrorText, ImportAndSyntaxErrorsAsPytest) {
  FixtureProject p("collect_errors");
  for (const char* cont : {"", "--continue-on-collection-errors"}) {
    const RunOutput want = run_pytest(p, std::string("-p no:cacheprovider ") + cont);
    std::vector<std::string> args{"-n", "2", "--engine", "native", "-p", "no:cacheprovider"};
    if (*cont) args.push_back(cont);
    auto r = p.run(args);
    EXPECT_EQ(r.exit_code, want.exit_code) << r.out << r.err;
    ASSERT_THAT(want.out, HasSubstr("E   SyntaxError: '(' was never closed\n")) << want.out;
    EXPECT_EQ(report_sections(r.out), without_pytest_frames(report_sections(want.out))) << cont;
    EXPECT_THAT(r.out, HasSubstr("\ncollected 1 item / 3 errors\n")) << r.out;
  }
}

// A conftest below the initial ones that fails to import fails the session's collection
// (pytest imports it in the session's own walk): no item, one error, exit 2; named on the
// command line it is an initial conftest: "ImportError while loading conftest", exit 4.
TEST(CollectionErrorText, FailingConftestAsPytest) {
  FixtureProject p("conftest_error");
  for (const char* arg : {"", "sub"}) {
    const RunOutput want = run_pytest(p, std::string("-p no:cacheprovider ") + arg);
    std::vector<std::string> args{"-n", "2", "--engine", "native", "-p", "no:cacheprovider"};
    if (*arg) args.push_back(arg);
    auto r = p.run(args);
    EXPECT_EQ(r.exit_code, want.exit_code) << r.out << r.err;
    if (*arg) {
      EXPECT_EQ(r.err, want.err);
      continue;
    }
    ASSERT_THAT(want.out, HasSubstr(" ERROR collecting test session ")) << want.out;
    EXPECT_EQ(report_sections(r.out), without_pytest_frames(report_sections(want.out)));
    EXPECT_THAT(r.out, HasSubstr("\ncollected 0 items / 1 error\n")) << r.out;
  }
}

/// A run's output without the lines that name the runner or its workers, durations as "Ns".
std::string comparable(const std::string& out) {
  static const std::regex duration(" in [0-9.]+s");
  std::string kept;
  for (const auto& line : lines_of(out)) {
    if (line.rfind("platform ", 0) == 0 || line.rfind("plugins: ", 0) == 0 || line.rfind("engine: ", 0) == 0 ||
        line.rfind("fastest: ", 0) == 0)
      continue;
    kept += std::regex_replace(line, duration, " in Ns") + "\n";
  }
  return kept;
}

// pytest 7.2.1 at -v off a terminal: "collecting ... collected N items", and a teardown
// error is a line of its own after the test's outcome line, with the same percentage.
TEST(VerboseText, TeardownErrorLineAndCollectingPrefixAsPytest) {
  FixtureProject p("verbose_lines");
  for (const char* v : {"-v", "-vv"}) {
    const RunOutput want = run_pytest(p, std::string("-p no:cacheprovider ") + v);
    auto r = p.run({"-n", "1", "--engine", "native", "-p", "no:cacheprovider", v});
    EXPECT_EQ(r.exit_code, want.exit_code) << r.out << r.err;
    ASSERT_THAT(want.out, HasSubstr("test_v.py::test_teardown_error ERROR ")) << want.out;
    EXPECT_EQ(comparable(r.out), comparable(want.out)) << v;
  }
}

// pytest 7.2.1's plain progress: a wrapped line ends with the percentage its last letter
// reached; at -q no line per module, the letters go on until the line is full.
TEST(ProgressText, WrappedAndQuietLinesAsPytest) {
  FixtureProject p("progress_lines");
  for (const char* v : {"-rN", "-q"}) {
    const RunOutput want = run_pytest(p, std::string("-p no:cacheprovider ") + v);
    auto r = p.run({"-n", "1", "--schedule", "fifo", "--engine", "native", "-p", "no:cacheprovider", v});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(comparable(r.out), comparable(want.out)) << v;
  }
}

// A module that skips itself at import (pytest.skip(allow_module_level=True), importorskip)
// has no progress in pytest 7.2.1: no letter, no -v line, no share of the percentage.
TEST(ProgressText, ModuleSkipsHaveNoProgressAsPytest) {
  FixtureProject p("module_skip_progress");
  for (const char* v : {"-rN", "-v", "-q"}) {
    const RunOutput want = run_pytest(p, std::string("-p no:cacheprovider ") + v);
    ASSERT_THAT(want.out, HasSubstr("3 passed, 2 skipped")) << want.out;
    // fifo: the history of the earlier runs would put test_d.py first (pytest's order is the files').
    auto r = p.run({"-n", "1", "--schedule", "fifo", "--engine", "native", "-p", "no:cacheprovider", v});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(comparable(r.out), comparable(want.out)) << v;
  }
}

// Code that reads sys.argv at import (a conftest's `"--slow" in sys.argv`, an argparse parse at
// module level) sees the command line as typed, as under pytest: `--slow` runs test_slow, and
// the strict module-level parse fails its module's collection on `--slow` (SystemExit: 2).
TEST(ArgvAtImport, SeenAsPytestSeesIt) {
  for (const char* slow : {"", "--slow"})
    for (const char* engine : {"native", "pytest"}) {
      FixtureProject p("argv_at_import");
      const RunOutput want = run_pytest(p, std::string("-p no:cacheprovider -q -rs ") + slow);
      std::vector<std::string> args{"-n", "1", "--engine", engine, "-p", "no:cacheprovider", "-q", "-rs"};
      if (*slow) args.push_back(slow);
      auto r = p.run(args);
      EXPECT_EQ(r.exit_code, want.exit_code) << engine << slow << r.out << r.err;
      ASSERT_THAT(want.out, HasSubstr(*slow ? "1 error" : "1 skipped")) << want.out;
      const auto summary = [](const std::string& out) {
        const auto all = lines_of(comparable(out));
        return all.empty() ? std::string() : all.back();
      };
      EXPECT_EQ(summary(r.out), summary(want.out)) << engine << " " << slow << "\n" << r.out;
    }
}

/// pytest, then fastest -n 1 under each engine, on a fixture that passes: pytest's summary
/// (`summary`, checked first: the fixture still says what it is about) and exit 0 in both.
void expect_both_engines_pass_as_pytest(const char* fixture, const char* summary) {
  for (const char* engine : {"native", "pytest"}) {
    FixtureProject p(fixture);
    const RunOutput want = run_pytest(p, "-p no:cacheprovider -q");
    ASSERT_THAT(want.out, HasSubstr(summary)) << want.out;
    auto r = p.run({"-n", "1", "--engine", engine, "-p", "no:cacheprovider", "-q"});
    EXPECT_EQ(r.exit_code, 0) << engine << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr(summary)) << engine << r.out;
  }
}

// `python -m pytest` puts the directory it runs from first on sys.path: a checkout's package
// imports from there although tests/ is not a package. Both engines' workers do the same.
TEST(SysPath, InvocationDirFirstAsPythonMPytest) { expect_both_engines_pass_as_pytest("cwd_on_path", "1 passed"); }

// sys.modules["__main__"] is pytest's __main__.py, as `python -m pytest` leaves it, in both engines
// (it was the harness script, with no spec: Flask's test_main_module_paths xpassed).
TEST(MainModule, IsPytestsAsUnderPythonMPytest) { expect_both_engines_pass_as_pytest("main_module", "3 passed"); }

// PYTEST_CURRENT_TEST names the test and its phase, as pytest sets it, in both engines (the
// native engine never set it: `"PYTEST_CURRENT_TEST" in os.environ` was false).
TEST(CurrentTestEnv, EachPhaseAsPytest) { expect_both_engines_pass_as_pytest("current_test_env", "2 passed"); }

// A test that patches time.sleep (a mock asserting its calls, a fake clock that only advances),
// os.write or os.getpid sees only its own calls: the workers' threads running beside it never
// call the patched ones (the parent watcher's time.sleep spun on Hypothesis's fake clock, 2,000
// fake seconds a test; its held-frame writes went through a mocked os.write).
TEST(PatchedSleep, TheWorkersThreadsDoNotCallIt) { expect_both_engines_pass_as_pytest("patched_sleep", "4 passed"); }

// log_cli_level without log_cli still lowers the root logger's level (pytest 7.2's null live
// handler under catching_logs): caplog and the captured-log section see INFO records.
TEST(LogLevels, CliLevelWithoutLiveLoggingAsPytest) {
  FixtureProject p("log_levels");
  const auto r = native_beside_pytest(p, "-rA", "INFO     app:test_levels.py:17 shown in the report");
  EXPECT_EQ(comparable(r.got.out), comparable(r.want.out));
}

// --collect-only -q after collection errors: pytest's ERRORS section, short summary and
// Interrupted line (exit 2), or without the Interrupted line under
// --continue-on-collection-errors (exit 1); a failing conftest's session error shown once.
TEST(CollectionErrorText, CollectOnlyAsPytest) {
  for (const char* fixture : {"collect_errors", "conftest_error"})
    for (const char* cont : {"", "--continue-on-collection-errors"}) {
      FixtureProject p(fixture);
      const RunOutput want = run_pytest(p, std::string("-p no:cacheprovider --collect-only -q ") + cont);
      std::vector<std::string> args{"-n", "2", "--engine", "native", "-p", "no:cacheprovider", "--collect-only", "-q"};
      if (*cont) args.push_back(cont);
      auto r = p.run(args);
      EXPECT_EQ(r.exit_code, want.exit_code) << fixture << cont << r.out << r.err;
      ASSERT_THAT(want.out, HasSubstr(" short test summary info ")) << want.out;
      EXPECT_EQ(comparable(r.out), comparable(without_pytest_frames(want.out))) << fixture << " " << cont;
    }
}

/// What a JUnit file says about collection errors: testcases, <error> children, and the
/// testsuite's errors/tests attributes.
std::string junit_shape(const std::string& xml) {
  static const std::regex attrs(R"re(<testsuite [^>]*errors="(\d+)"[^>]*tests="(\d+)")re");
  std::smatch m;
  std::string shape = std::regex_search(xml, m, attrs) ? "errors=" + m[1].str() + " tests=" + m[2].str() : "?";
  return shape + " testcases=" + std::to_string(count(xml, "<testcase ")) +
         " error_elements=" + std::to_string(count(xml, "<error "));
}

// Under --doctest-modules pytest 7.2.1 collects a test module twice, as its DoctestModule
// and as its Module: one that fails to import (ImportError, SyntaxError, another error) is
// two errors, the DoctestModule's first (Collector.repr_failure's text, with the crash
// line in the short summary), then the Module's. Same ERRORS section, short summary, counts
// and exit code at the default verbosity and at -q, JUnit's one testcase per file with two
// <error>s, and --json's count.
TEST(CollectionErrorText, DoctestModulesFailTwiceAsPytest) {
  FixtureProject p("collect_errors");
  for (const char* cont : {"", "--continue-on-collection-errors"})
    for (const char* v : {"-rfE", "-q"}) {
      const std::string args = std::string("-p no:cacheprovider --doctest-modules --junitxml=py.xml ") + v + " " + cont;
      const RunOutput want = run_pytest(p, args);
      std::vector<std::string> a{"-n", "2", "--engine", "native", "-p", "no:cacheprovider", v};
      a.insert(a.end(), {"--doctest-modules", "--junitxml=fastest.xml", "--json=fastest.json"});
      if (*cont) a.push_back(cont);
      auto r = p.run(a);
      EXPECT_EQ(r.exit_code, want.exit_code) << r.out << r.err;
      ASSERT_THAT(want.out, HasSubstr("6 errors")) << want.out;
      const std::string junit_line = "generated xml file: ";
      auto drop_junit = [&](const std::string& out) {
        std::string kept;
        for (const auto& line : lines_of(out))
          if (line.find(junit_line) == std::string::npos) kept += line + "\n";
        return kept;
      };
      EXPECT_EQ(drop_junit(comparable(r.out)), drop_junit(comparable(without_pytest_frames(want.out))))
          << v << " " << cont;
      EXPECT_EQ(junit_shape(slurp(p.dir() / "fastest.xml")), junit_shape(slurp(p.dir() / "py.xml"))) << v << cont;
      EXPECT_THAT(slurp(p.dir() / "fastest.json"), HasSubstr("\"error\": 6")) << v << cont;
    }
}

// pytest.fail(..., pytrace=False) at import (an undeclared mark under --strict-markers, a
// direct call): pytest 7.2.1's value style, the message alone, and no message in the short
// summary; its DoctestModule reports it the same way under --doctest-modules.
TEST(CollectionErrorText, UntracedFailIsTheMessageAloneAsPytest) {
  FixtureProject p("untraced_collect_fail");
  for (const char* extra : {"", " --doctest-modules --continue-on-collection-errors"}) {
    const std::string args = std::string("-p no:cacheprovider") + extra;
    const RunOutput want = run_pytest(p, args);
    ASSERT_THAT(want.out, HasSubstr("\nthis platform is not supported\n")) << want.out;
    std::vector<std::string> argv = {"-n", "1", "--engine", "native", "-p", "no:cacheprovider"};
    if (*extra) argv.insert(argv.end(), {"--doctest-modules", "--continue-on-collection-errors"});
    auto r = p.run(argv);
    EXPECT_EQ(r.exit_code, want.exit_code) << r.out << r.err;
    EXPECT_EQ(comparable(r.out), comparable(want.out)) << extra;
  }
}

// pytest 7.2.1's rewriter warns about an assert of a non-empty tuple (always true):
// PytestAssertRewriteWarning in the warnings summary, in the order its rewriter meets
// them (last function first), given again on every import while pytest writes no pyc.
TEST(WarningsText, AssertOfATupleWarnsAsPytest) {
  FixtureProject p("assert_tuple");
  for (int run = 0; run < 2; ++run) {  // the second run reads the harness's cached rewrite
    const RunOutput want = run_pytest(p, "-p no:cacheprovider");
    auto r = p.run({"-n", "1", "--engine", "native", "-p", "no:cacheprovider"});
    EXPECT_EQ(r.exit_code, want.exit_code) << r.out << r.err;
    ASSERT_THAT(want.out, HasSubstr("PytestAssertRewriteWarning: assertion is always true")) << want.out;
    EXPECT_EQ(comparable(r.out), comparable(want.out)) << run;
  }
}

// An `async def` test behind a sync wrapper is called, as pytest calls it: pytest looks at
// the function itself, not through __wrapped__, and skips a plain coroutine function or a
// call that returned an awaitable (an async static method is looked at through __func__).
// Before, the native engine skipped every wrapped one without calling it (tornado's
// gen_test tests: 6 failed in pytest, skipped in fastest).
TEST(AsyncTests, WrappersAreCalledAsPytestCallsThem) {
  FixtureProject p("async_wrappers");
  const RunOutput want = run_pytest(p, "-p no:cacheprovider -rA");
  ASSERT_THAT(want.out, HasSubstr("2 failed, 1 passed, 3 skipped, 3 warnings")) << want.out;
  auto results = [](const std::string& out) {
    std::vector<std::string> lines;
    for (const std::string& l : lines_of(out))
      if (l.starts_with("PASSED ") || l.starts_with("FAILED ")) lines.push_back(l);
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  for (const char* engine : {"native", "pytest"}) {
    auto r = p.run({"-n", "1", "--engine", engine, "-p", "no:cacheprovider", "-rA"});
    EXPECT_EQ(r.exit_code, 1) << engine << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("2 failed, 1 passed, 3 skipped, 3 warnings")) << engine << r.out;
    EXPECT_EQ(results(r.out), results(want.out)) << engine << r.out;
  }
}

// pytest 7.2's builtin nose plugin runs nose-style setup/teardown whether the nose library is
// installed or not (module setup(), a class's setup(self), a function's setup attribute),
// each method call warning PytestRemovedIn8Warning; -p no:nose turns it off. Before, the
// native engine ran them only with nose imported: scikit-image's `def setup(self)` classes
// failed (194 of 7,594 tests).
TEST(XunitSetup, NoseStyleAsPytestsNosePlugin) {
  FixtureProject p("nose_style");
  auto results = [](const std::string& out) {
    std::vector<std::string> lines;
    for (const std::string& l : lines_of(out))
      if (l.starts_with("PASSED ") || l.starts_with("FAILED ") || l.starts_with("ERROR ")) lines.push_back(l);
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  for (const std::string extra : {"", "no:nose"}) {
    const RunOutput want = run_pytest(p, "-p no:cacheprovider -rA" + (extra.empty() ? "" : " -p " + extra));
    ASSERT_THAT(want.out, HasSubstr(extra.empty() ? "6 passed, 6 warnings" : "5 failed, 1 passed")) << want.out;
    for (const char* engine : {"native", "pytest"}) {
      std::vector<std::string> args = {"-n", "1", "--engine", engine, "-p", "no:cacheprovider", "-rA"};
      if (!extra.empty()) args.insert(args.end(), {"-p", extra});
      auto r = p.run(args);
      EXPECT_EQ(r.exit_code, want.exit_code) << engine << r.out << r.err;
      EXPECT_EQ(results(r.out), results(want.out)) << engine << extra << r.out;
      EXPECT_EQ(count(r.out, "PytestRemovedIn8Warning"), count(want.out, "PytestRemovedIn8Warning")) << r.out;
    }
  }
}

// --collect-only as pytest 7.2.1 prints it at each verbosity: the header, the collected line
// ("collecting ... " at -v, the deselected counts), the tree (two spaces a level, every
// package a top-level <Package>, docstrings at -v), the ids at -q, "file: count" at -qq,
// the warnings summary and the closing line; -k matches those collectors' names (a
// module in a plain directory is named by its path, a subpackage's parent is not there).
TEST(CollectOnlyText, TreeAsPytest) {
  FixtureProject p("collect_tree");
  const std::vector<std::vector<std::string>> cases = {{},
                                                       {"-v"},
                                                       {"-q"},
                                                       {"-qq"},
                                                       {"-k", "a or doc"},
                                                       {"-q", "-k", "pkg"},
                                                       {"--doctest-modules"},
                                                       {"--doctest-modules", "-v"}};
  for (const auto& extra : cases) {
    std::string args = "-p no:cacheprovider --collect-only";
    std::vector<std::string> a{"-n", "2", "--engine", "native", "-p", "no:cacheprovider", "--collect-only"};
    for (const auto& x : extra) {
      args += " " + shell_quote(x);
      a.push_back(x);
    }
    const RunOutput want = run_pytest(p, args);
    auto r = p.run(a);
    EXPECT_EQ(r.exit_code, want.exit_code) << args << r.out << r.err;
    ASSERT_THAT(want.out, HasSubstr("test_")) << want.out;
    EXPECT_EQ(comparable(r.out), comparable(want.out)) << args;
  }
}

/// From pytest's short test summary rule to the end.
std::string short_summary(const std::string& out) {
  auto at = out.find(" short test summary info ");
  return at == std::string::npos ? "" : comparable(out.substr(out.rfind('\n', at) + 1));
}

/// The location lines of the warnings summary ("path:line" headers), sorted: workers
/// finish modules in their own order.
std::vector<std::string> warning_places(const std::string& out) {
  std::vector<std::string> places;
  auto at = out.find(" warnings summary ");
  if (at == std::string::npos) return places;
  std::istringstream in(out.substr(out.find('\n', at) + 1));
  for (std::string l; std::getline(in, l) && !l.starts_with("-- Docs:");)
    if (!l.empty() && l[0] != ' ') places.push_back(l);
  std::sort(places.begin(), places.end());
  return places;
}

// Warnings at import, as pytest's warnings plugin records them around its collection: a
// test module's and a conftest's each once (both workers import the conftest; it was
// counted twice), and -W error makes the module's warning its collection error. Before, the
// pytest engine collected outside the warnings capture: no warning shown, and -W error
// passed the test pytest cannot collect.
TEST(WarningsText, ImportTimeWarningsAsPytestInBothEngines) {
  FixtureProject p("import_warnings");
  const RunOutput want = run_pytest(p, "-p no:cacheprovider");
  ASSERT_THAT(want.out, HasSubstr("3 passed, 3 warnings")) << want.out;
  const RunOutput want_error = run_pytest(p, "-p no:cacheprovider -W error::UserWarning test_w.py");
  ASSERT_EQ(want_error.exit_code, 2) << want_error.out;
  for (const char* engine : {"native", "pytest"}) {
    auto r = p.run({"-n", "2", "--engine", engine, "-p", "no:cacheprovider"});
    EXPECT_EQ(r.exit_code, 0) << engine << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("3 passed, 3 warnings")) << engine << r.out;
    EXPECT_EQ(warning_places(r.out), warning_places(want.out)) << engine << r.out;
    auto e = p.run({"-n", "2", "--engine", engine, "-p", "no:cacheprovider", "-W", "error::UserWarning", "test_w.py"});
    EXPECT_EQ(e.exit_code, 2) << engine << e.out << e.err;
    EXPECT_EQ(short_summary(e.out), short_summary(want_error.out)) << engine << e.out;
  }
}

// config.getoption("--doctest-modules") is pytest's dest for that option string
// (doctestmodules); the native engine stripped the dashes ("doctest_modules": no option),
// so pandas' conftest failed every run with an INTERNALERROR.
TEST(GetOption, ByOptionStringAsPytest) {
  FixtureProject p("getoption_names");
  const RunOutput want = run_pytest(p, "-p no:cacheprovider --strict-markers --run-it");
  ASSERT_EQ(want.exit_code, 0) << want.out;
  for (const char* engine : {"native", "pytest"}) {
    auto r = p.run({"-n", "1", "--engine", engine, "-p", "no:cacheprovider", "--strict-markers", "--run-it"});
    EXPECT_EQ(r.exit_code, 0) << engine << r.out << r.err;
    EXPECT_EQ(comparable(r.out), comparable(want.out)) << engine;
  }
}

// A warning located outside the invocation directory: pytest's summary names it by
// bestrelpath from there ("../elsewhere.py:3"); fastest printed the absolute path.
TEST(WarningsText, LocationOutsideTheInvocationDirAsPytest) {
  FixtureProject p("warning_location");
  const RunOutput want = run_pytest(p, "-p no:cacheprovider");
  ASSERT_THAT(want.out, HasSubstr("\n../elsewhere.py:3\n")) << want.out;
  for (const char* engine : {"native", "pytest"}) {
    auto r = p.run({"-n", "1", "--engine", engine, "-p", "no:cacheprovider"});
    EXPECT_EQ(r.exit_code, want.exit_code) << engine << r.out << r.err;
    EXPECT_EQ(comparable(r.out), comparable(want.out)) << engine;
  }
}

// Run from a directory below the rootdir, pytest 7.2.1's short summary names each test
// relative to it (cwd_relative_nodeid: `FAILED test_f.py::test_fails`, `ERROR
// ../lib/broken.py - ModuleNotFoundError: ...`, the crash line of a plain module's
// DoctestModule under --doctest-modules).
TEST(FailureText, ShortSummaryRelativeToTheInvocationDirAsPytest) {
  FixtureProject p("cwd_relative");
  const std::string args = " -p no:cacheprovider --doctest-modules -rA --continue-on-collection-errors ..";
  const std::string want = output_of(p.dir() / "sub", shell_quote(test_python()) + " -m pytest" + args);
  const std::string got = output_of(p.dir() / "sub", "FASTEST_PYTHON=" + shell_quote(test_python()) + " " +
                                                         shell_quote(FASTEST_BINARY) + " -n 1 --engine native" + args);
  ASSERT_THAT(want, HasSubstr("ERROR ../lib/broken.py - ModuleNotFoundError")) << want;
  EXPECT_EQ(short_summary(got), short_summary(want));
}

// Run from outside the rootdir (`fastest proj/tests`, `fastest ../proj/tests`), pytest 7.2.1
// names files relative to the invocation directory: the progress line's file, each -v
// line's node id, the traceback's locations (a conftest's frame too) and -rs's location.
TEST(ProgressText, PathsRelativeToTheInvocationDirAsPytest) {
  FixtureProject p("outside_rootdir");
  for (const auto& [dir, target] :
       {std::pair<std::string, std::string>{"", "proj/tests"}, {"elsewhere", "../proj/tests"}}) {
    for (const char* v : {"-rA", "-v"}) {
      const std::string args = std::string(" -p no:cacheprovider ") + v + " " + target;
      const fs::path at = dir.empty() ? p.dir() : p.dir() / dir;
      const std::string want = output_of(at, shell_quote(test_python()) + " -m pytest" + args);
      const std::string got = output_of(at, "FASTEST_PYTHON=" + shell_quote(test_python()) + " " +
                                                shell_quote(FASTEST_BINARY) + " -n 1 --engine native" + args);
      ASSERT_THAT(want, HasSubstr(target + "/test_f.py:9: ")) << want;
      EXPECT_EQ(comparable(got), comparable(want)) << target << " " << v;
    }
  }
}

// A skip by mark is reported at pytest 7.2.1's item.reportinfo(): the file that defines
// the test function (an inherited method's module), at the function's line (-rs lines).
TEST(SkipText, MarkSkipLocationIsTheDefiningFileAsPytest) {
  FixtureProject p("skip_location");
  const auto r = native_beside_pytest(p, "-rs", "SKIPPED [1] base.py:2: not here");
  EXPECT_EQ(short_summary(r.got.out), short_summary(r.want.out));
}

// A unittest skip (decorator or self.skipTest) is reported at the test's line: for
// @unittest.skipIf the decorated function's, not its wrapper's in unittest/case.py.
TEST(SkipText, UnittestSkipAtTheTestsLineAsPytest) {
  FixtureProject p("unittest_skip_line");
  const auto r = native_beside_pytest(p, "-rs", "SKIPPED [1] test_unit.py:5: decorated");
  EXPECT_EQ(short_summary(r.got.out), short_summary(r.want.out));
}

/// Every file below `dir` (relative path -> bytes); directories as "<dir>/".
std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(e.path(), dir).string();
    out[e.is_directory() ? rel + "/" : rel] = e.is_directory() ? "" : slurp(e.path());
  }
  return out;
}

// The native cache fixture's set() writes pytest's supporting files into a cache directory
// it creates, its mkdir() none: the .pytest_cache a run leaves is pytest's, byte for byte.
TEST(CacheFixture, FilesAsPytestWritesThem) {
  for (const char* variant : {"set_first", "mkdir_first"}) {
    FixtureProject p("cache_fixture");
    fs::copy_file(p.dir() / "variants" / (std::string(variant) + ".py"), p.dir() / "test_c.py");
    ASSERT_EQ(run_pytest(p, "-q").exit_code, 0) << variant;
    const auto want = tree(p.dir() / ".pytest_cache");
    fs::remove_all(p.dir() / ".pytest_cache");
    auto r = p.run({"-n", "2", "--engine", "native", "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(tree(p.dir() / ".pytest_cache"), want) << variant;
  }
}

// --lf --lfnf=none with nothing failed last time: pytest deselects every item (exit 5).
TEST(CacheOptionsCompat, LastFailedNoFailuresNoneDeselectsEverything) {
  FixtureProject p("dup_args");
  ASSERT_EQ(p.run({"-n", "1"}).exit_code, 0);
  auto r = p.run({"-n", "1", "--lf", "--lfnf=none"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("collected 6 items / 6 deselected / 0 selected\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("run-last-failure: no previously failed tests, deselecting all items.")) << r.out;
  EXPECT_THAT(r.out, HasSubstr(" 6 deselected in ")) << r.out;
  auto all = p.run({"-n", "1", "--lf", "--last-failed-no-failures", "all"});
  EXPECT_EQ(all.exit_code, 0) << all.out;
  EXPECT_THAT(all.out, HasSubstr(" 6 passed in ")) << all.out;
}

}  // namespace
}  // namespace fastest::e2e
