// The terminal reporter's colour (pytest's TerminalWriter markup), plain mode's progress
// and silence lines, and issue 7's reporting fixes, against pytest 7.2's terminal.py and
// junitxml.py.
#include <gtest/gtest.h>

#include "report/capture.h"
#include "report/make_result.h"

#include <cstdio>
#include <cstdlib>

#include "report/junit.h"
#include "report/terminal.h"

namespace fastest::report {
namespace {

using base::Outcome;

void start(TerminalReporter& t, std::size_t n) {
  RunHeader h;
  h.rootdir = "/r";
  h.collected = n;
  t.on_start(h);
  t.on_worker_header("3.11.2", {});
  t.on_collection_done({.collected = n});
}

TEST(TerminalColor, ClosingLineAndSummaryAreColouredAsPytestDoes) {
  Capture c;
  TerminalOptions o;
  o.out = c.file();
  o.color = true;
  TerminalReporter t(o);
  start(t, 2);
  t.on_result(result("t.py::test_a", Outcome::passed));
  t.on_result(result("t.py::test_b", Outcome::failed, "assert 1 == 2", "E   assert 1 == 2\n"));
  t.on_batch_done("t.py", 0);
  Summary s;
  s.counts = {{"passed", 1}, {"failed", 1}};
  s.wall_s = 0.12;
  t.on_finish(s);
  std::string out = c.text();
  // pytest 7.2.1 under PY_COLORS=1 (COLUMNS=80) prints exactly these.
  EXPECT_NE(
      out.find("\x1b[1m============================= test session starts ==============================\x1b[0m\n"),
      std::string::npos)
      << out;
  EXPECT_NE(
      out.find("t.py \x1b[32m.\x1b[0m\x1b[31mF\x1b[0m\x1b[31m                                                       "
               "           [100%]\x1b[0m\n"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("\x1b[31m\x1b[1m____________________________________ test_b "
                     "____________________________________\x1b[0m\n"),
            std::string::npos)
      << out;
  EXPECT_NE(
      out.find("\x1b[36m\x1b[1m=========================== short test summary info "
               "============================\x1b[0m\n\x1b[31mFAILED\x1b[0m t.py::\x1b[1mtest_b\x1b[0m - assert 1 == "
               "2\n"),
      std::string::npos)
      << out;
  EXPECT_NE(
      out.find("\x1b[31m========================= \x1b[31m\x1b[1m1 failed\x1b[0m, \x1b[32m1 passed\x1b[0m\x1b[31m "
               "in 0.12s\x1b[0m\x1b[31m ==========================\x1b[0m\n"),
      std::string::npos)
      << out;
}

TEST(TerminalColor, WantColorFollowsPytestsPrecedence) {
  static const char* env_py0[] = {"PY_COLORS", "0", nullptr};
  static const char* env_force[] = {"FORCE_COLOR", "1", nullptr};
  static const char* env_no[] = {"NO_COLOR", "", nullptr};
  static const char* env_dumb[] = {"TERM", "dumb", nullptr};
  static const char** current = nullptr;
  auto fake = [](const char* name) -> const char* {
    for (const char** p = current; p && *p; p += 2)
      if (std::string(*p) == name) return p[1];
    return nullptr;
  };
  current = nullptr;
  EXPECT_TRUE(want_color("auto", true, fake));
  EXPECT_FALSE(want_color("auto", false, fake));
  EXPECT_TRUE(want_color("yes", false, fake));
  current = env_py0;
  EXPECT_FALSE(want_color("auto", true, fake));
  EXPECT_TRUE(want_color("yes", true, fake));
  current = env_force;
  EXPECT_TRUE(want_color("auto", false, fake));
  EXPECT_FALSE(want_color("no", false, fake));
  current = env_no;
  EXPECT_FALSE(want_color("auto", true, fake));
  current = env_dumb;
  EXPECT_FALSE(want_color("auto", true, fake));
}

TEST(TerminalPlain, PercentageNeverGoesBackWhenCollectionGrowsTheTotal) {
  Capture c;
  TerminalOptions o;
  o.out = c.file();
  TerminalReporter t(o);
  start(t, 2);
  t.on_result(result("a.py::test_1", Outcome::passed));
  t.on_batch_done("a.py", 0);  // 1 of 2: 50%
  t.on_progress_total(10);     // runtime parametrize: 1 of 10 would be 10%
  t.on_result(result("b.py::test_1", Outcome::passed));
  t.on_batch_done("b.py", 1);
  std::string out = c.text();
  EXPECT_NE(out.find("a.py ."), std::string::npos);
  EXPECT_NE(out.find("[ 50%]\nb.py ."), std::string::npos) << out;
  EXPECT_NE(out.find("b.py .                                                                   [ 50%]"),
            std::string::npos)
      << out;
}

TEST(TerminalPlain, StillRunningLineAfterThirtySecondsOfSilence) {
  Capture c;
  base::FakeClock clock;
  TerminalOptions o;
  o.out = c.file();
  o.clock = &clock;
  TerminalReporter t(o);
  EXPECT_EQ(t.tick_interval_s(), 1.0);
  start(t, 2);
  std::vector<WorkerActivity> running{{0, "a.py::test_short", 20.0}, {1, "b.py::test_long", 2.0}};
  clock.advance(29);
  t.on_tick(running);
  EXPECT_EQ(c.text().find("still running"), std::string::npos);
  clock.advance(2);
  t.on_tick(running);
  EXPECT_NE(c.text().find("still running: b.py::test_long (29s)\n"), std::string::npos) << c.text();
  // The line itself counts as output: the next one comes 30 s later.
  clock.advance(10);
  t.on_tick(running);
  EXPECT_EQ(c.text().find("still running", c.text().find("(29s)") + 1), std::string::npos);
}

TEST(TerminalIssue7, DoctestHeadLineAndNoDashForAnEmptyCrashMessage) {
  Capture c;
  TerminalOptions o;
  o.out = c.file();
  TerminalReporter t(o);
  start(t, 1);
  auto r = result("m.py::m.f", Outcome::failed, "", "002 >>> f()\nExpected:\n    1\nGot:\n    2\n");
  r.head_line = "[doctest] m.f";
  t.on_result(r);
  t.on_batch_done("m.py", 0);
  Summary s;
  s.counts = {{"failed", 1}};
  t.on_finish(s);
  std::string out = c.text();
  EXPECT_NE(out.find("___ [doctest] m.f ___"), std::string::npos) << out;
  EXPECT_NE(out.find("FAILED m.py::m.f\n"), std::string::npos) << out;
}

TEST(TerminalIssue7, CaptureSectionsKeepTheirPhase) {
  Capture c;
  TerminalOptions o;
  o.out = c.file();
  TerminalReporter t(o);
  start(t, 1);
  auto r = result("t.py::test_x", Outcome::failed, "boom", "E   boom\n");
  r.captured_stdout = "in setup\nin call\n";
  r.sections = {{"Captured stdout setup", "in setup\n"}, {"Captured stdout call", "in call\n"}};
  t.on_result(r);
  t.on_batch_done("t.py", 0);
  Summary s;
  s.counts = {{"failed", 1}};
  t.on_finish(s);
  std::string out = c.text();
  auto setup = out.find(" Captured stdout setup -");
  auto call = out.find(" Captured stdout call -");
  ASSERT_NE(setup, std::string::npos) << out;
  ASSERT_NE(call, std::string::npos) << out;
  EXPECT_LT(setup, call);
  EXPECT_NE(out.find("-\nin setup\n"), std::string::npos) << out;
}

TEST(JunitIssue7, FailureWithoutACrashLineHasTheWholeLongreprAsMessage) {
  JunitReporter j("/nonexistent/never-written.xml", JunitOptions{});
  j.on_result(result("m.py::m.f", Outcome::failed, "", "002 >>> f()\nGot:\n    2"));
  Summary s;
  std::string xml = j.render(s);
  EXPECT_NE(xml.find("<failure message=\"002 &gt;&gt;&gt; f()&#10;Got:&#10;    2\">"), std::string::npos) << xml;
}

}  // namespace
}  // namespace fastest::report
