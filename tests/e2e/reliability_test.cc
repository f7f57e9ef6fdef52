// End-to-end: ../shared/RELIABILITY.md's worker faults, timeouts, signals and output
// scenarios, each a misbehaving fixture project (tests/fixtures/rel_*/) run by the real binary.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Bounds that only catch hangs, never speed: a shared 2-core machine may be slow, not stuck.
constexpr double k_hang_s = 120;

int count_rows(const fs::path& db, const std::string& sql) {
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  return d.execAndGet(sql).getInt();
}

std::string quick_check(const fs::path& db) {
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  return d.execAndGet("PRAGMA quick_check").getString();
}

bool xml_well_formed(const fs::path& xml) {
  std::string cmd = "xmllint --noout " + shell_quote(xml.string()) + " 2>/dev/null";
  return std::system(cmd.c_str()) == 0;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

/// "A-0042-AAAA...A-end" (40 tags) or "A-partial-A-rest-end", as rel_no_capture prints them.
bool whole_line(const std::string& line) {
  if (line.size() < 2 || (line[0] != 'A' && line[0] != 'B') || line[1] != '-') return false;
  const std::string t(1, line[0]);
  if (line == t + "-partial-" + t + "-rest-end") return true;
  if (line.size() != 7 + 40 + 4) return false;
  for (int i = 2; i < 6; ++i)
    if (line[i] < '0' || line[i] > '9') return false;
  return line.substr(6) == "-" + std::string(40, line[0]) + "-end";
}

std::vector<pid_t> read_pids(const fs::path& p) {
  std::istringstream in(slurp(p));
  std::vector<pid_t> pids;
  for (pid_t pid; in >> pid;) pids.push_back(pid);
  return pids;
}

// --- Worker faults --------------------------------------------------------------------

// W1, W2, W4 (crash on a module's last test) and D5: os._exit, SIGSEGV and SIGKILL in test 2
// of 4 fail exactly that test with the decoded status; tests 3 and 4 run on a fresh worker.
// Both engines hold quick tests' frames in the spill: a crash loses none of them.
void expect_crashes_fail_only_their_tests(const std::string& engine) {
  FixtureProject p("rel_worker_faults");
  auto r = p.run({"-n", "2", "--junitxml", "junit.xml", "--engine", engine});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("5 failed, 11 passed in ")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("crashed while running 'tests/test_exit.py::test_2_exits': exit code 1"));
  EXPECT_THAT(r.out, HasSubstr("crashed while running 'tests/test_segv.py::test_2_segfaults': signal 11 (SIGSEGV)"));
  EXPECT_THAT(r.out, HasSubstr("crashed while running 'tests/test_sigkill.py::test_2_killed': signal 9 (SIGKILL); "
                               "SIGKILL often means the kernel's out-of-memory killer"));
  EXPECT_THAT(r.out, HasSubstr("FAILED tests/test_crash_loop.py::test_crash - "));
  EXPECT_THAT(r.out, HasSubstr("FAILED tests/test_last.py::test_crash_last - "));
  for (const char* t : {"test_3_fresh_worker", "test_after", "test_4_no_db_fd"})
    EXPECT_THAT(r.out, Not(HasSubstr(std::string("::") + t + " - "))) << r.out;
  auto xml = slurp(p.dir() / "junit.xml");
  EXPECT_TRUE(xml_well_formed(p.dir() / "junit.xml")) << xml;
  EXPECT_EQ(count_of(xml, "<testcase "), 16u) << xml;
  EXPECT_EQ(count_rows(p.db(), "SELECT count(*) FROM results"), 16);
  EXPECT_EQ(quick_check(p.db()), "ok");
}

TEST(Reliability, CrashFailsOnlyThatTestNamedWithItsStatus) { expect_crashes_fail_only_their_tests("native"); }

TEST(Reliability, PytestEngineCrashFailsOnlyThatTestNamedWithItsStatus) {
  expect_crashes_fail_only_their_tests("pytest");
}

// W3: a module that kills its worker while importing is a collection error for that module
// only, after a bounded number of fresh workers tried it.
TEST(Reliability, CrashWhileImportingIsThatModulesCollectionError) {
  FixtureProject p("rel_import_crash");
  // The other modules run only when told to go on (pytest would stop at the errors).
  auto r = p.run({"-n", "2", "--continue-on-collection-errors"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("2 passed, 2 errors in ")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("ERROR collecting tests/test_dies_on_import.py"));
  EXPECT_THAT(r.out, HasSubstr("ERROR collecting tests/test_segv_on_import.py"));
  EXPECT_THAT(r.out, HasSubstr("worker crashed while importing tests/test_dies_on_import.py: exit code 3 "
                               "(2 workers tried; not retried again)\n"))
      << "the controller-made error ends its line before the next section";
  EXPECT_THAT(r.out, HasSubstr("signal 11 (SIGSEGV) (2 workers tried"));
}

// W4: every worker killed at once, and a crash in session teardown with an empty queue:
// the run still ends with a summary and the re-queued tests pass on fresh workers.
TEST(Reliability, AllWorkersKilledAtOnceStillEndsWithASummary) {
  FixtureProject p("rel_kill_all");
  auto b = p.start({"-n", "2"});
  auto r = p.wait(b, k_hang_s);
  ASSERT_TRUE(r.finished) << r.out << r.err;
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("2 failed, 3 passed in ")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("tests/test_killer.py::test_kills_every_worker': signal 9 (SIGKILL)"));
  EXPECT_THAT(r.out, HasSubstr("tests/test_victim.py::test_slow_victim': signal 9 (SIGKILL)"));
  EXPECT_THAT(r.err, HasSubstr("worker ended badly at shutdown (exit code 5)")) << r.err;
}

// W5: sys.exit() in a test fails the test and the worker lives on; at module level it is
// that module's collection error.
TEST(Reliability, SystemExitFailsTheTestAndSparesTheWorker) {
  FixtureProject p("rel_sys_exit");
  auto r = p.run({"-n", "1", "--schedule", "fifo", "--continue-on-collection-errors"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 failed, 1 passed, 1 error in ")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("FAILED tests/test_exits.py::test_exit_3 - SystemExit: 3"));
  EXPECT_THAT(r.out, HasSubstr("ERROR tests/test_module_exit.py"));
  EXPECT_THAT(r.err, Not(HasSubstr("crashed"))) << r.err;
}

// W6: a forked child that returns into the harness does not report the test twice.
TEST(Reliability, ForkedChildReturningIntoTheHarnessIsRecordedOnce) {
  FixtureProject p("rel_fork");
  auto r = p.run({"-n", "1", "--junitxml", "junit.xml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("3 passed in ")) << r.out;
  EXPECT_EQ(count_of(slurp(p.dir() / "junit.xml"), "<testcase "), 3u);
  EXPECT_EQ(count_rows(p.db(), "SELECT count(*) FROM results"), 3);
}

// W7: kill -9 of the runner leaves no worker and no grandchild behind for long.
TEST(Reliability, KilledRunnerLeavesNoWorkerOrGrandchild) {
  FixtureProject p("rel_orphans");
  auto b = p.start({"-n", "1"});
  ASSERT_TRUE(wait_until([&] { return fs::exists(p.dir() / ".pids"); }, k_hang_s));
  auto pids = read_pids(p.dir() / ".pids");  // worker, its child
  ASSERT_EQ(pids.size(), 2u);
  ::kill(b.pid, SIGKILL);
  auto r = p.wait(b, k_hang_s);
  EXPECT_EQ(r.signal, SIGKILL);
  // The worker polls its parent every 0.5 s; its child sleeps far longer than this bound.
  for (pid_t pid : pids) EXPECT_TRUE(wait_until([&] { return process_gone(pid); }, 60)) << "pid " << pid;
}

// W8: a test that leaves the worker in a deleted cwd with a clobbered sys.path does not
// change the outcome of the next module, whatever the placement.
TEST(Reliability, DeletedCwdAndClobberedSysPathDoNotLeakIntoTheNextModule) {
  FixtureProject p("rel_cwd_syspath");
  for (const char* n : {"1", "2"}) {
    auto r = p.run({"-n", n, "--schedule", "fifo"});
    EXPECT_EQ(r.exit_code, 0) << "-n " << n << "\n" << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("4 passed in ")) << r.out;
  }
}

// A worker that cannot start (not a Python) is a clear error, not a hang.
TEST(Reliability, WorkerThatCannotStartIsAClearError) {
  FixtureProject p("all_pass");
  auto r = p.run({"--python", "/bin/true", "-n", "2"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("worker did not start: '/bin/true'")) << r.err;
  EXPECT_THAT(r.err, HasSubstr("is it a Python 3 interpreter?")) << r.err;
}

// --- Timeouts and hangs ---------------------------------------------------------------

// T1, T2: sleep, a C loop holding the GIL and a test ignoring SIGTERM all time out within
// S + grace, with the stacks of every thread; the rest of each batch runs on a fresh worker
// and the tests' children are killed.
TEST(Reliability, TimeoutKillsTheTestWithStacksAndRunsTheRest) {
  FixtureProject p("rel_timeout");
  auto b = p.start({"-n", "2", "--timeout", "1", "--junitxml", "junit.xml"});
  // The three tests never end by themselves: finishing at all proves the timeouts fired.
  auto r = p.wait(b, k_hang_s);
  ASSERT_TRUE(r.finished) << r.out << r.err;
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("3 failed, 3 passed in ")) << r.out;
  for (const char* t : {"test_sleep.py::test_sleeps_forever", "test_busy.py::test_busy_loop_holding_the_gil",
                        "test_sigterm.py::test_ignores_sigterm"})
    EXPECT_THAT(r.out, HasSubstr(std::string("Timeout: test exceeded 1 s (--timeout); worker killed while running "
                                             "'tests/") +
                                 t + "'"));
  EXPECT_EQ(count_of(r.out, "Stacks of all threads at the timeout"), 3u) << r.out;
  EXPECT_THAT(r.out, HasSubstr("line 3 in test_busy_loop_holding_the_gil"));
  EXPECT_THAT(r.out, HasSubstr("in _helper_thread_waits"));  // not only the main thread
  for (pid_t child : read_pids(p.dir() / ".children"))
    EXPECT_TRUE(wait_until([&] { return process_gone(child); }, 60)) << "child " << child;
  EXPECT_TRUE(xml_well_formed(p.dir() / "junit.xml"));
}

// T3, T4, T5, S3: a subprocess left holding stdout, a non-daemon thread, input() and
// os.killpg(0, SIGINT) neither hang the run nor take the runner down.
TEST(Reliability, LeftoversNeitherHangNorKillTheRunner) {
  FixtureProject p("rel_leftovers");
  for (bool no_capture : {false, true}) {
    std::vector<std::string> args{"-n", "1"};
    if (no_capture) args.push_back("-s");
    auto r = p.run_piped(args);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("1 failed, 4 passed in ")) << r.out;
    EXPECT_THAT(r.out, HasSubstr("FAILED tests/test_leftovers.py::test_killpg_sigint - KeyboardInterrupt"));
    // The leftover child and thread sleep 600 s: a run shorter than that did not wait for them.
    EXPECT_LT(r.wall_s, 300) << (no_capture ? "-s" : "captured");
  }
}

// --- Signals ------------------------------------------------------------------------

class SignalTest : public ::testing::TestWithParam<int> {};

// S1, S2: a signal stops dispatch, kills the test in flight, keeps finished results, prints
// a partial summary and exits 2; the database stays sound.
TEST_P(SignalTest, StopsWithPartialSummaryAndSoundDatabase) {
  FixtureProject p("rel_signals");
  auto b = p.start({"-n", "1", "--schedule", "fifo"});
  ASSERT_TRUE(wait_until([&] { return fs::exists(p.dir() / ".b-started"); }, k_hang_s));
  ::kill(b.pid, GetParam());
  // test_b sleeps 600 s: ending within the hang bound proves the run did not wait for it.
  auto r = p.wait(b, k_hang_s);
  ASSERT_TRUE(r.finished);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Interrupted")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("2 passed in ")) << r.out;
  EXPECT_FALSE(fs::exists(p.dir() / ".c-ran")) << "a batch started after the signal";
  EXPECT_EQ(quick_check(p.db()), "ok");
  EXPECT_EQ(count_rows(p.db(), "SELECT count(*) FROM results"), 2);
}

INSTANTIATE_TEST_SUITE_P(Reliability, SignalTest, ::testing::Values(SIGINT, SIGTERM, SIGHUP),
                         [](const auto& param_info) { return std::string(sigabbrev_np(param_info.param)); });

// S1: a second Ctrl-C ends the runner at once, and its workers follow.
TEST(Reliability, SecondInterruptKillsAtOnce) {
  FixtureProject p("rel_signals");
  auto b = p.start({"-n", "1", "--schedule", "fifo"});
  ASSERT_TRUE(wait_until([&] { return fs::exists(p.dir() / ".b-started"); }, k_hang_s));
  ::kill(b.pid, SIGINT);
  ::kill(b.pid, SIGINT);
  auto r = p.wait(b, k_hang_s);
  ASSERT_TRUE(r.finished);
  EXPECT_TRUE(r.exit_code == 2 || r.signal == SIGINT) << r.exit_code << " " << r.signal;
  if (fs::exists(p.db())) {
    EXPECT_EQ(quick_check(p.db()), "ok");
  }
}

// --- Output -------------------------------------------------------------------------

// O1, O2, O3: 300 MB of output, invalid UTF-8, NUL, ANSI escapes and lone CRs in output and
// ids, and tests closing fds 1/2 and sys.stdout.
TEST(Reliability, HostileOutputKeepsMemoryBoundedAndReportsReadable) {
  FixtureProject p("rel_output");
  auto b = p.start({"-n", "2", "--junitxml", "junit.xml"});
  auto r = p.wait(b, k_hang_s);
  ASSERT_TRUE(r.finished) << r.err;
  EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 4000) << r.err;
  EXPECT_THAT(r.out, HasSubstr("7 failed, 2 passed in "));
  EXPECT_LT(r.max_rss_kb, 200 * 1024) << "runner or a worker grew with the output";
  EXPECT_LT(r.out.size(), 10u << 20);
  EXPECT_THAT(r.out, HasSubstr("truncated by fastest"));
  EXPECT_THAT(r.out, HasSubstr("AssertionError: after the flood"));
  // O3: the test after the ones that closed fds 1/2 and sys.stdout is still captured.
  EXPECT_THAT(r.out, HasSubstr("MARKER-STDOUT-AFTER-CLOSE"));
  EXPECT_THAT(r.out, HasSubstr("MARKER-STDERR-AFTER-CLOSE"));
  // O2: nothing that would garble a terminal reaches it raw.
  for (char c : {'\0', '\x1b', '\r', '\x07'})
    EXPECT_EQ(r.out.find(c), std::string::npos) << "raw byte " << static_cast<int>(c);
  EXPECT_TRUE(xml_well_formed(p.dir() / "junit.xml")) << slurp(p.dir() / "junit.xml").substr(0, 4000);
  EXPECT_LT(fs::file_size(p.dir() / "junit.xml"), 20u << 20);
}

// O4: under -s, lines of two workers writing at once never interleave mid-line.
TEST(Reliability, NoCaptureLinesOfWorkersNeverInterleave) {
  FixtureProject p("rel_no_capture");
  auto r = p.run_piped({"-n", "2", "-s"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("2 passed in "));
  std::istringstream in(r.out);
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find("A-") == std::string::npos && line.find("B-") == std::string::npos) continue;
    EXPECT_TRUE(whole_line(line)) << "cut line: " << line.substr(0, 200);
    ++lines;
  }
  EXPECT_EQ(lines, 2 * 3001);
}

}  // namespace
}  // namespace fastest::e2e
