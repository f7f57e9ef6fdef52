// The terminal reporter against pytest 7.2's output for the same outcomes.
#include "report/terminal.h"

#include <gtest/gtest.h>

#include "report/capture.h"
#include "report/make_result.h"

#include <cstdio>
#include <cstdlib>

namespace fastest::report {
namespace {

using base::Outcome;

TerminalOptions opts(std::FILE* out, void (*set)(TerminalOptions&) = nullptr) {
  TerminalOptions o;
  o.out = out;
  if (set) set(o);
  return o;
}

/// The outcomes of the reference module pytest was run on (one of each kind).
void feed_mixed(TerminalReporter& t) {
  RunHeader h;
  h.rootdir = "/r";
  t.on_start(h);
  t.on_worker_header("3.11.2", {"custom header line"});
  t.on_collection_done({.collected = 8});
  auto pass = result("t.py::test_pass", Outcome::passed);
  pass.captured_stdout = "hello out\n";
  t.on_result(pass);
  t.on_result(result("t.py::test_fail", Outcome::failed, "assert 1 == 2",
                     "    def test_fail():\n>       assert 1 == 2\nE       assert 1 == 2\n\nt.py:8: AssertionError\n"));
  t.on_result(result("t.py::test_skip", Outcome::skipped, "nope", "t.py:10: nope", "setup"));
  t.on_result(result("t.py::test_skip2", Outcome::skipped, "nope", "t.py:10: nope", "setup"));
  t.on_result(result("t.py::test_xfail", Outcome::xfailed, "known"));
  t.on_result(result("t.py::test_xfail_noreason", Outcome::xfailed));
  t.on_result(result("t.py::test_xpass", Outcome::xpassed, "why"));
  t.on_result(
      result("t.py::test_error", Outcome::error, "RuntimeError: boom", "E       RuntimeError: boom\n", "setup"));
  t.on_batch_done("t.py", 0);
}

Summary mixed_summary() {
  Summary s;
  s.counts = {{"passed", 1}, {"failed", 1}, {"skipped", 2}, {"xfailed", 2}, {"xpassed", 1}, {"error", 1}};
  return s;
}

TEST(TerminalReporter, HeaderHasTheWorkersLinesAndTheRuntimeCollectedLine) {
  Capture c;
  TerminalReporter t(opts(c.file()));
  RunHeader h;
  h.rootdir = "/r";
  h.configfile = "pytest.ini";
  t.on_start(h);
  t.on_worker_header("3.11.2", {"rootdir: /r, configfile: pytest.ini", "project: demo"});
  t.on_collection_done({.collected = 18, .deselected = 4});
  std::string out = c.text();
  EXPECT_NE(out.find("platform linux -- Python 3.11.2, fastest-"), std::string::npos) << out;
  EXPECT_NE(out.find("rootdir: /r, configfile: pytest.ini\nproject: demo\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("rootdir: /r, configfile: pytest.ini\nrootdir"), std::string::npos) << "not repeated: " << out;
  EXPECT_NE(out.find("collected 18 items / 4 deselected / 14 selected\n"), std::string::npos) << out;
}

TEST(TerminalReporter, CollectedLineAsPytestWordsIt) {
  EXPECT_EQ(collected_line({.collected = 1}), "collected 1 item");
  EXPECT_EQ(collected_line({.collected = 3, .errors = 1}), "collected 3 items / 1 error");
  EXPECT_EQ(collected_line({.collected = 13, .deselected = 10}), "collected 13 items / 10 deselected / 3 selected");
  EXPECT_EQ(collected_line({.collected = 2, .skipped = 1}), "collected 2 items / 1 skipped");
}

TEST(TerminalReporter, SummaryLineOrdersDeselectedAndWarningsAsPytest) {
  Summary s;
  s.counts = {{"passed", 3}, {"deselected", 10}, {"failed", 1}, {"xpassed", 1}, {"error", 1}, {"skipped", 2}};
  s.warnings = 2;
  EXPECT_EQ(summary_words(s), "1 failed, 3 passed, 2 skipped, 10 deselected, 1 xpassed, 2 warnings, 1 error in 0.00s");
}

TEST(TerminalReporter, ReportCharsAExpandLikePytest) {
  EXPECT_EQ(effective_report_chars("fE", false), "wfE");
  EXPECT_EQ(effective_report_chars("A", false), "wPpsxXEf");
  EXPECT_EQ(effective_report_chars("a", true), "sxXEf");
  EXPECT_EQ(effective_report_chars("fEN", false), "w");
  EXPECT_EQ(effective_report_chars("Fw", true), "f");
}

TEST(TerminalReporter, RaShowsPassesAndEveryOutcomeInPytestsOrder) {
  Capture c;
  TerminalReporter t(opts(c.file(), [](TerminalOptions& o) {
    o.report_chars = "A";
    o.on_ci = true;
  }));
  feed_mixed(t);
  t.on_finish(mixed_summary());
  std::string out = c.text();
  const std::string summary =
      "=========================== short test summary info ============================\n"
      "PASSED t.py::test_pass\n"
      "SKIPPED [2] t.py:10: nope\n"
      "XFAIL t.py::test_xfail - known\n"
      "XFAIL t.py::test_xfail_noreason\n"
      "XPASS t.py::test_xpass why\n"
      "ERROR t.py::test_error - RuntimeError: boom\n"
      "FAILED t.py::test_fail - assert 1 == 2\n";
  EXPECT_NE(out.find(summary), std::string::npos) << out;
  // -rA includes P: the PASSES section shows the captured output of passed tests.
  EXPECT_NE(out.find("==================================== PASSES ====================================\n"
                     "__________________________________ test_pass ___________________________________\n"
                     "----------------------------- Captured stdout call -----------------------------\n"
                     "hello out\n"),
            std::string::npos)
      << out;
  EXPECT_LT(out.find("ERRORS"), out.find("FAILURES"));
  EXPECT_LT(out.find("FAILURES"), out.find("PASSES"));
}

TEST(TerminalReporter, RpListsOnlyPassedLines) {
  Capture c;
  TerminalReporter t(opts(c.file(), [](TerminalOptions& o) { o.report_chars = "p"; }));
  feed_mixed(t);
  t.on_finish(mixed_summary());
  std::string out = c.text();
  EXPECT_NE(out.find("=\nPASSED t.py::test_pass\n=="), std::string::npos) << out;
  EXPECT_EQ(out.find("FAILED t.py"), std::string::npos) << out;
  EXPECT_EQ(out.find("PASSES"), std::string::npos) << "-rp is not -rP: " << out;
}

TEST(TerminalReporter, TbLineIsOneLinePerFailureAndTbNoHasNoSections) {
  Capture line_out;
  TerminalReporter line(opts(line_out.file(), [](TerminalOptions& o) {
    o.tbstyle = "line";
    o.rootdir = "/r";
  }));
  feed_mixed(line);
  line.on_finish(mixed_summary());
  EXPECT_NE(line_out.text().find(" FAILURES ===================================\n/r/t.py:8: assert 1 == 2\n="),
            std::string::npos)
      << line_out.text();
  Capture no_out;
  TerminalReporter no(opts(no_out.file(), [](TerminalOptions& o) { o.tbstyle = "no"; }));
  feed_mixed(no);
  no.on_finish(mixed_summary());
  std::string out = no_out.text();
  EXPECT_EQ(out.find("FAILURES"), std::string::npos) << out;
  EXPECT_EQ(out.find("ERRORS"), std::string::npos) << out;
  EXPECT_NE(out.find("FAILED t.py::test_fail - assert 1 == 2"), std::string::npos) << out;
}

TEST(TerminalReporter, NoSummaryKeepsTheStatsLineNoHeaderKeepsTheRule) {
  Capture c;
  TerminalReporter t(opts(c.file(), [](TerminalOptions& o) {
    o.no_header = true;
    o.no_summary = true;
  }));
  feed_mixed(t);
  t.on_finish(mixed_summary());
  std::string out = c.text();
  EXPECT_EQ(out.rfind("============================= test session starts ==============================\n"
                      "collected 8 items\n\n",
                      0),
            0u)
      << out;
  EXPECT_EQ(out.find("short test summary"), std::string::npos) << out;
  EXPECT_EQ(out.find("FAILURES"), std::string::npos) << out;
  EXPECT_NE(out.find("= 1 failed, 1 passed, 2 skipped, 2 xfailed, 1 xpassed, 1 error in"), std::string::npos) << out;
}

TEST(TerminalReporter, QuietLevels) {
  Capture q;
  TerminalReporter quiet(opts(q.file(), [](TerminalOptions& o) { o.verbose = -1; }));
  feed_mixed(quiet);
  quiet.on_finish(mixed_summary());
  std::string out = q.text();
  EXPECT_EQ(out.rfind(".FssxxXE ", 0), 0u) << "no header, letters without the module: " << out;
  EXPECT_NE(out.find("\n1 failed, 1 passed"), std::string::npos) << out;
  Capture qq;
  TerminalReporter very_quiet(opts(qq.file(), [](TerminalOptions& o) { o.verbose = -2; }));
  feed_mixed(very_quiet);
  very_quiet.on_finish(mixed_summary());
  out = qq.text();
  EXPECT_EQ(out.rfind(".FssxxXE ", 0), 0u) << out;
  EXPECT_EQ(out.find("1 failed, 1 passed"), std::string::npos) << "-qq has no stats line: " << out;
}

TEST(TerminalReporter, ShowCaptureFiltersSections) {
  Capture c;
  TerminalReporter t(opts(c.file(), [](TerminalOptions& o) { o.show_capture = "stderr"; }));
  RunHeader h;
  t.on_start(h);
  auto f = result("t.py::test_f", Outcome::failed, "boom", "E   boom\n");
  f.captured_stdout = "to stdout\n";
  f.captured_stderr = "to stderr\n";
  t.on_result(f);
  t.on_finish(Summary{});
  std::string out = c.text();
  EXPECT_EQ(out.find("to stdout"), std::string::npos) << out;
  EXPECT_NE(out.find("Captured stderr call -----------------------------\nto stderr\n"), std::string::npos) << out;
}

TEST(TerminalReporter, WarningsSummaryAsPytestPrintsIt) {
  Capture c;
  TerminalReporter t(opts(c.file()));
  t.on_start(RunHeader{});
  t.on_warning({"t.py::test_w", "UserWarning", "careful", "/nonexistent/t.py", 37});
  t.on_warning({"t.py::test_v", "UserWarning", "careful", "/nonexistent/t.py", 37});
  t.on_finish(Summary{});
  std::string out = c.text();
  EXPECT_NE(out.find("=============================== warnings summary ===============================\n"
                     "t.py::test_w\nt.py::test_v\n"
                     "  /nonexistent/t.py:37: UserWarning: careful\n\n"
                     "-- Docs: https://docs.pytest.org/en/stable/how-to/capture-warnings.html\n"),
            std::string::npos)
      << out;
  Capture d;
  TerminalReporter off(opts(d.file(), [](TerminalOptions& o) { o.disable_warnings = true; }));
  off.on_start(RunHeader{});
  off.on_warning({"t.py::test_w", "UserWarning", "careful", "", 0});
  off.on_finish(Summary{});
  EXPECT_EQ(d.text().find("warnings summary"), std::string::npos);
}

TEST(TerminalReporter, DurationsHonourTheMinimum) {
  Capture c;
  TerminalReporter t(opts(c.file(), [](TerminalOptions& o) {
    o.durations = 0;
    o.durations_min = 0.5;
  }));
  t.on_start(RunHeader{});
  auto slow = result("t.py::test_slow", Outcome::passed);
  slow.call_s = 1.0;
  t.on_result(slow);
  auto skip = result("t.py::test_skip", Outcome::skipped, "x", "t.py:1: x", "setup");
  t.on_result(skip);
  t.on_finish(Summary{});
  std::string out = c.text();
  // test_skip's setup and teardown only (no call phase for a skip at setup): 4 hidden.
  EXPECT_NE(
      out.find("1.00s call     t.py::test_slow\n\n(4 durations < 0.5s hidden.  Use -vv to show these durations.)\n"),
      std::string::npos)
      << out;
}

TEST(TerminalReporter, FatalBeforeTheHeaderPrintsNothing) {
  Capture c;
  TerminalReporter t(opts(c.file()));
  t.on_start(RunHeader{});
  Summary s;
  s.fatal = true;
  t.on_finish(s);
  EXPECT_EQ(c.text(), "");
}

TEST(TerminalReporter, InfoIsPrintedVerbatimAfterTheHeader) {
  Capture c;
  TerminalReporter t(opts(c.file()));
  t.on_start(RunHeader{});
  t.on_info("cache -- .../cacheprovider.py:510\n    Return a cache object.\n");
  std::string out = c.text();
  EXPECT_NE(out.find("test session starts"), std::string::npos);
  EXPECT_NE(out.find("cache -- .../cacheprovider.py:510\n    Return a cache object.\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace fastest::report
