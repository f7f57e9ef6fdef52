// The live display, driven by a fake clock on a fake terminal: one test per state.
#include "report/live_display.h"

#include <gtest/gtest.h>

#include "report/fake_terminal.h"
#include "report/progress_model.h"

namespace fastest::report {
namespace {

LiveOptions ascii() {
  LiveOptions o;
  o.unicode = false;
  return o;
}

base::TestResult result(const std::string& id, base::Outcome o, std::int64_t batch) {
  base::TestResult r;
  r.node_id = id;
  r.outcome = o;
  r.batch = batch;
  return r;
}

TEST(LiveDisplay, StartPrintsTextAtOnceThenDrawsTheAreaOnTheFirstTick) {
  FakeTerminal term;
  base::FakeClock clock;
  LiveDisplay d(term, clock, ascii());
  d.plan({2.0, 1.0}, 2, true);
  d.print_above("=== test session starts ===\n");
  EXPECT_EQ(term.screen_text(), "=== test session starts ===\n");
  clock.advance(0.2);
  d.tick();
  auto rows = term.screen();
  ASSERT_EQ(rows.size(), 4u) << term.screen_text();
  EXPECT_EQ(rows[1].rfind("[--", 0), 0u) << rows[1];
  EXPECT_NE(rows[1].find("  0%  no tests finished  0:00 ETA 2.0s"), std::string::npos) << rows[1];
  EXPECT_EQ(rows[2], " gw0 idle");
  EXPECT_EQ(rows[3], " gw1 idle");
}

TEST(LiveDisplay, RunningShowsWeightedPercentCountsEtaAndEachWorkersTest) {
  FakeTerminal term;
  base::FakeClock clock;
  LiveDisplay d(term, clock, ascii());
  d.plan({3.0, 1.0}, 2, true);
  d.batch_started(0, 0, 0);
  d.batch_started(1, 1, 1);
  d.batch_collected(1, 2);
  d.result(result("b.py::test_1", base::Outcome::passed, 1));
  d.result(result("b.py::test_2", base::Outcome::skipped, 1));
  clock.advance(1.0);
  d.batch_done(1);  // as predicted: the correction stays 1
  clock.advance(0.5);
  d.set_running({{0, "a.py::test_slow", 0.5}});
  d.tick();
  auto rows = term.screen();
  ASSERT_EQ(rows.size(), 3u) << term.screen_text();
  // Batch 1 (1 s) is done, batch 0 (3 s) is half through by time: (1 + 1.5) / 4.
  EXPECT_NE(rows[0].find(" 62%  1 passed, 1 skipped  0:02"), std::string::npos) << rows[0];
  EXPECT_NE(rows[0].find("ETA 1.5s"), std::string::npos) << rows[0];
  EXPECT_EQ(rows[1], " gw0 a.py::test_slow 1.0s");
  EXPECT_EQ(rows[2], " gw1 idle");
  // Redraws in place: a second frame leaves one area, not two.
  clock.advance(0.5);
  d.tick();
  EXPECT_EQ(term.screen().size(), 3u) << term.screen_text();
  EXPECT_EQ(term.screen()[1], " gw0 a.py::test_slow 1.5s");
}

TEST(LiveDisplay, FailureLinePrintsAboveTheArea) {
  FakeTerminal term;
  base::FakeClock clock;
  LiveDisplay d(term, clock, ascii());
  d.plan({1.0}, 1, true);
  d.print_above("header\n");
  clock.advance(0.2);
  d.tick();
  d.result(result("a.py::test_x", base::Outcome::failed, 0));
  d.print_above("FAILED a.py::test_x - assert 1 == 2\n");
  clock.advance(0.2);
  d.tick();
  auto rows = term.screen();
  ASSERT_EQ(rows.size(), 4u) << term.screen_text();
  EXPECT_EQ(rows[0], "header");
  EXPECT_EQ(rows[1], "FAILED a.py::test_x - assert 1 == 2");
  EXPECT_EQ(rows[2].rfind("[", 0), 0u);
  EXPECT_NE(rows[2].find("1 failed"), std::string::npos) << rows[2];
}

TEST(LiveDisplay, FinishRemovesTheAreaAndFlushesPendingLines) {
  FakeTerminal term;
  base::FakeClock clock;
  LiveDisplay d(term, clock, ascii());
  d.plan({1.0}, 2, true);
  d.print_above("header\n");
  clock.advance(0.2);
  d.tick();
  d.print_above("tests/t.py::test_a PASSED\n");
  d.close();
  EXPECT_EQ(term.screen_text(), "header\ntests/t.py::test_a PASSED\n");
  EXPECT_NE(term.bytes().find("\x1b[2A\x1b[J"), std::string::npos);
  // Nothing is drawn after close; text goes straight through.
  clock.advance(1);
  d.tick();
  d.print_above("summary\n");
  EXPECT_EQ(term.screen_text(), "header\ntests/t.py::test_a PASSED\nsummary\n");
}

TEST(LiveDisplay, NarrowTerminalGetsOneLineRedrawnWithCarriageReturn) {
  FakeTerminal term(30);
  base::FakeClock clock;
  LiveDisplay d(term, clock, ascii());
  d.plan({1.0, 1.0}, 2, true);
  d.print_above("header\n");
  for (int i = 0; i < 3; ++i) {
    clock.advance(0.2);
    d.result(result("t.py::test_" + std::to_string(i), base::Outcome::passed, 0));
    d.tick();
  }
  auto rows = term.screen();
  ASSERT_EQ(rows.size(), 2u) << term.screen_text();
  EXPECT_LE(rows[1].size(), 29u);
  EXPECT_NE(rows[1].find("3 passed"), std::string::npos) << rows[1];
  EXPECT_EQ(term.bytes().find('\n', 7), std::string::npos) << "a frame wrote a newline";
}

TEST(LiveDisplay, RedrawsAtMostTenTimesASecond) {
  FakeTerminal term;
  base::FakeClock clock;
  LiveDisplay d(term, clock, ascii());
  d.plan({1.0}, 1, true);
  for (int i = 0; i < 100; ++i) {
    clock.advance(0.01);
    d.tick();
  }
  EXPECT_LE(d.frames(), 10u);
  EXPECT_GE(d.frames(), 9u);
}

TEST(LiveDisplay, ResizeRedrawsAtTheNewWidth) {
  FakeTerminal term(100);
  base::FakeClock clock;
  LiveDisplay d(term, clock, ascii());
  d.plan({1.0}, 1, true);
  d.set_running({{0, "tests/test_module.py::TestClass::test_a_rather_long_name[param-1-2-3]", 0}});
  clock.advance(0.2);
  d.tick();
  term.resize(50);
  clock.advance(0.2);
  d.tick();
  auto rows = term.screen();
  ASSERT_EQ(rows.size(), 2u) << term.screen_text();
  for (const auto& r : rows) EXPECT_LE(r.size(), 49u) << r;
  EXPECT_EQ(rows[1].find(" gw0 ...", 0), 0u) << rows[1];
  EXPECT_NE(rows[1].find("[param-1-2-3] 0.4s"), std::string::npos) << rows[1];
}

TEST(LiveDisplay, EscapesAndInvalidUtf8InTestIdsCannotBreakTheArea) {
  FakeTerminal term;
  base::FakeClock clock;
  LiveDisplay d(term, clock, ascii());
  d.plan({1.0}, 1, true);
  d.set_running({{0, "t.py::test[\x1b[2J\xff\xc2\x9b]", 0}});
  clock.advance(0.2);
  d.tick();
  EXPECT_EQ(term.bytes().find("\x1b[2J"), std::string::npos);
  EXPECT_EQ(term.bytes().find('\xff'), std::string::npos);
  EXPECT_EQ(term.screen()[1], " gw0 t.py::test[\\x1b[2J\\xff\\xc2\\x9b] 0.2s");
}

TEST(LiveDisplay, NoEtaOnAFirstRunUntilABatchFinished) {
  FakeTerminal term;
  base::FakeClock clock;
  LiveDisplay d(term, clock, ascii());
  d.plan({1.0, 1.0}, 1, false);
  clock.advance(0.2);
  d.tick();
  EXPECT_EQ(term.screen()[0].find("ETA"), std::string::npos);
  d.batch_started(0, 0, 0);
  d.batch_done(0);
  clock.advance(0.2);
  d.tick();
  EXPECT_NE(term.screen()[0].find("ETA"), std::string::npos);
}

TEST(FitLine, KeepsTheEndWithAnEllipsisAndCountsWideCharactersTwice) {
  EXPECT_EQ(fit_line("abcdef", 6), "abcdef");
  EXPECT_EQ(fit_line("abcdefgh", 6), "abc...");
  EXPECT_EQ(fit_line("abcdefgh", 6, true), "...fgh");
  EXPECT_EQ(fit_line("\xe6\xbc\xa2\xe5\xad\x97", 4), "\xe6\xbc\xa2\xe5\xad\x97");
  EXPECT_EQ(display_width("\xe6\xbc\xa2x"), 3u);
  EXPECT_EQ(display_width("\x1b[32mok\x1b[0m"), 2u);
}

TEST(ProgressModel, EtaIsTheListScheduleOfWhatIsLeftCorrectedByFinishedBatches) {
  ProgressModel m;
  m.plan({4.0, 2.0, 2.0, 1.0}, 2);
  m.started(0, 0, 0, 0.0);
  m.started(1, 1, 1, 0.0);
  // Running 4 and 2, then 2 and 1 queued: worker 1 frees at 2 and takes 2 (ends 4), the
  // 1 goes to worker 0 or 1 at 4: 5.
  EXPECT_DOUBLE_EQ(m.eta_s(0.0), 5.0);
  // Batch 1 took twice its prediction: everything left is scaled by 2.
  m.finished(1, 4.0);
  EXPECT_DOUBLE_EQ(m.correction(), 2.0);
  // At 4 s: batch 0 has 8 - 4 = 4 left on worker 0; worker 1 takes 2*2 (ends 4), then 1*2 (ends 6).
  EXPECT_DOUBLE_EQ(m.eta_s(4.0), 6.0);
  EXPECT_GT(m.fraction(4.0), 0.0);
  double before = m.fraction(4.0);
  m.started(2, 2, 1, 4.0);
  EXPECT_GE(m.fraction(4.0), before);
}

TEST(ProgressModel, ARequeuedRemainderContinuesItsPlannedBatch) {
  ProgressModel m;
  m.plan({2.0, 2.0}, 1);
  m.started(0, 0, 0, 0.0);
  m.started(5, 0, 0, 1.0);  // the worker died; the rest of batch 0 came back as batch 5
  m.finished(5, 2.0);
  EXPECT_EQ(m.batches_done(), 1u);
  EXPECT_DOUBLE_EQ(m.fraction(2.0), 0.5);
}

}  // namespace
}  // namespace fastest::report
