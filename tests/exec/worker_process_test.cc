// WorkerProcess and Executor against small scripted fake workers (real processes, real pipes).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "exec/executor.h"
#include "exec/worker_process.h"

namespace fastest::exec {
namespace {

namespace fs = std::filesystem;

TEST(LineRelay, HoldsAPartialLineUntilItsNewline) {
  std::string pending;
  EXPECT_EQ(take_complete_lines(pending, "a\nb", 100), "a\n");
  EXPECT_EQ(pending, "b");
  EXPECT_EQ(take_complete_lines(pending, "c", 100), "");
  EXPECT_EQ(take_complete_lines(pending, "d\ne\nf", 100), "bcd\ne\n");
  EXPECT_EQ(pending, "f");
}

TEST(LineRelay, RunawayLineIsCutSoMemoryStaysBounded) {
  std::string pending;
  EXPECT_EQ(take_complete_lines(pending, std::string(150, 'x'), 100), std::string(150, 'x'));
  EXPECT_TRUE(pending.empty());
}

TEST(CapText, CutsAtACharacterBoundaryAndSaysSo) {
  std::string text = "ab\xc3\xa9" + std::string(10, 'z');  // é at bytes 2-3
  std::string capped = cap_text(text, 3);
  EXPECT_EQ(capped.rfind("ab\n[... truncated by fastest: 14 bytes in all ...]", 0), 0u) << capped;
  EXPECT_EQ(cap_text("short", 10), "short");
}

TEST(WaitStatus, DecodesExitCodesAndSignals) {
  EXPECT_EQ(describe_wait_status(3 << 8), "exit code 3");
  EXPECT_EQ(describe_wait_status(SIGSEGV), "signal 11 (SIGSEGV)");
  EXPECT_NE(describe_wait_status(SIGKILL).find("out-of-memory"), std::string::npos);
}

/// A fake harness: says ready, and answers every run with one test that hangs.
class FakeWorker : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    m_dir = fs::temp_directory_path() / ("fastest-fake-worker-" + std::to_string(rd()));
    fs::create_directories(m_dir);
    std::ofstream(m_dir / "main.py") << R"(import json, os, struct, sys, time
def send(m):
    b = json.dumps(m).encode()
    os.write(4, struct.pack(">I", len(b)) + b)
def recv():
    n = struct.unpack(">I", os.read(3, 4))[0]
    return json.loads(os.read(3, n))
def spin():
    while True:
        time.sleep(0.01)
send({"t": "ready", "protocol": 2, "pid": os.getpid(), "python": "3"})
if os.environ.get("FAKE_MODE") == "exit":
    os._exit(0)
while True:
    m = recv()
    if m["t"] == "run":
        send({"t": "collected", "batch": m["batch"], "module": m["module"], "items": ["m.py::t"]})
        send({"t": "start", "batch": m["batch"], "nodeid": "m.py::t"})
        if os.environ.get("FAKE_MODE") == "garbage":
            os.write(4, struct.pack(">I", 3) + b"{{{")
        spin()
)";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(m_dir, ec);
  }
  ExecOptions options() const {
    ExecOptions o;
    o.spawn.python = "/usr/bin/python3";
    o.spawn.main_script = m_dir / "main.py";
    return o;
  }
  fs::path m_dir;
};

TEST_F(FakeWorker, RequestStopWakesABlockedSlotAtOnce) {
  base::SteadyClock clock;
  Executor ex(options(), clock);
  bool started = false;
  std::thread stopper;
  const double t0 = clock.now_seconds();
  double stop_at = 0;
  ex.run({WorkItem{.module = "m.py"}}, [&](const Event& ev) {
    if (ev.kind == EventKind::collected && !started) {
      started = true;
      stopper = std::thread([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        stop_at = clock.now_seconds();
        ex.request_stop();
      });
    }
    EXPECT_NE(ev.kind, EventKind::test_result) << "the interrupted test is not reported";
  });
  const double end = clock.now_seconds();
  stopper.join();
  ASSERT_TRUE(started);
  // The fake test spins forever, so the run ending at all proves request_stop() woke the
  // slot; the bound only catches a hang.
  EXPECT_LT(end - stop_at, 120) << "stopping took " << end - stop_at << " s (run took " << end - t0 << " s)";
}

// A batch sent ahead may find its worker dead: the write fails (EPIPE) and the SIGPIPE it
// raises, at its default disposition in this test binary, does not end the process.
TEST_F(FakeWorker, SendingToADeadWorkerIsAnErrorNotASigpipe) {
  auto o = options();
  o.spawn.extra_env = {"FAKE_MODE=exit"};
  auto spawned = WorkerProcess::spawn(o.spawn);
  ASSERT_TRUE(spawned.ok());
  auto proc = std::move(spawned).value();
  WorkerMessage ready;
  std::string err;
  ASSERT_EQ(proc->read(ready, 30, err), ReadStatus::message) << err;
  proc->reap(30);
  ASSERT_EQ(signal(SIGPIPE, SIG_DFL), SIG_DFL);
  EXPECT_FALSE(proc->send(encode_run(1, "m.py", {}, false)).ok());
  EXPECT_FALSE(proc->send(encode_run(2, "m.py", {}, false)).ok());
}

TEST_F(FakeWorker, TimeoutReportsTheTestWithItsStacks) {
  base::SteadyClock clock;
  auto o = options();
  o.timeout_s = 0.3;
  o.max_attempts = 1;
  Executor ex(o, clock);
  std::vector<base::TestResult> results;
  ex.run({WorkItem{.module = "m.py"}}, [&](const Event& ev) {
    if (ev.kind == EventKind::test_result) results.push_back(ev.result);
  });
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].node_id, "m.py::t");
  EXPECT_EQ(results[0].outcome, base::Outcome::timed_out);
  EXPECT_NE(results[0].longrepr.find("line 10 in spin"), std::string::npos) << results[0].longrepr;
}

TEST_F(FakeWorker, ProtocolGarbageReplacesTheWorkerAndSaysWhy) {
  base::SteadyClock clock;
  auto o = options();
  o.spawn.extra_env = {"FAKE_MODE=garbage"};
  Executor ex(o, clock);
  std::vector<base::TestResult> results;
  ex.run({WorkItem{.module = "m.py"}}, [&](const Event& ev) {
    if (ev.kind == EventKind::test_result) results.push_back(ev.result);
  });
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, base::Outcome::crashed);
  EXPECT_NE(results[0].longrepr.find("protocol error"), std::string::npos) << results[0].longrepr;
  EXPECT_EQ(results[0].longrepr.find("out-of-memory"), std::string::npos) << results[0].longrepr;
}

}  // namespace
}  // namespace fastest::exec
