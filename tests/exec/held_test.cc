// The executor's hold_last paths (docs/protocol.md, "Holding back a batch's last test")
// against a scripted fake pytest-engine worker: real processes, real pipes. Each module
// `m.py` has the tests `m.py::t1` and `m.py::last`; the worker holds `last` back until
// the next `run` (released after that batch's `collected`) or `shutdown`. The module's
// name picks what goes wrong.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "exec/executor.h"
#include "exec/fake_harness.h"

namespace fastest::exec {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_fake = R"(import json, os, struct, sys, time
D = os.environ["FAKE_DIR"]
def send(m):
    b = json.dumps(m).encode()
    os.write(4, struct.pack(">I", len(b)) + b)
def read(n):
    b = b""
    while len(b) < n:
        c = os.read(3, n - len(b))
        if not c:
            os._exit(0)
        b += c
    return b
def recv():
    return json.loads(read(struct.unpack(">I", read(4))[0]))
def once(name):
    p = os.path.join(D, name)
    if os.path.exists(p):
        return False
    open(p, "w").close()
    return True
def run_test(batch, nodeid):
    send({"t": "start", "batch": batch, "nodeid": nodeid})
    module = nodeid.split("::")[0]
    if nodeid.endswith("::last"):
        if module == "crash_held.py" and once("crashed"):
            os._exit(3)
        if module == "hang_held.py":
            open(os.path.join(D, "held_started"), "w").close()
            # Spins until killed; a regression that never kills it fails, not hangs.
            give_up = time.monotonic() + 60
            while time.monotonic() < give_up and os.getppid() != 1:
                time.sleep(0.01)
            os._exit(1)
    send({"t": "result", "batch": batch, "nodeid": nodeid, "outcome": "passed", "when": "call"})
def release(held):
    run_test(*held)
    send({"t": "batch_done", "batch": held[0], "duration_s": 0.0, "import_s": 0.0})
def wait_for_reaped_fatal_worker():
    # Bounded: the executor need not reap the fatal worker before this one's batch ends
    # (it may join this worker first), and the stop must not depend on that order.
    give_up = time.monotonic() + 5
    pid_file = os.path.join(D, "fatal.pid")
    while not os.path.exists(pid_file) and time.monotonic() < give_up:
        time.sleep(0.01)
    pid = open(pid_file).read().strip() if os.path.exists(pid_file) else ""
    while pid and os.path.exists("/proc/" + pid) and time.monotonic() < give_up:  # a zombie keeps its entry until reaped
        time.sleep(0.01)
held = None
send({"t": "ready", "protocol": 2, "pid": os.getpid(), "python": "3"})
while True:
    m = recv()
    if m["t"] == "run":
        b, module = m["batch"], m["module"]
        if module == "fatal.py":
            send({"t": "fatal", "exit_code": 2, "message": "stop here"})
            with open(os.path.join(D, "fatal.pid"), "w") as f:
                f.write(str(os.getpid()))
            os._exit(2)
        items = [i for i in (module + "::t1", module + "::last")
                 if not m["select"] or i in m["select"]]
        send({"t": "collected", "batch": b, "module": module, "items": items})
        if module == "wait_fatal.py":
            wait_for_reaped_fatal_worker()
        if held:
            release(held)
        for nodeid in items[:-1]:
            run_test(b, nodeid)
        held = (b, items[-1])
        send({"t": "held", "batch": b, "nodeid": items[-1]})
        if module == "die_idle.py" and once("died"):
            os._exit(0)
    elif m["t"] == "shutdown":
        with open(os.path.join(D, "shutdown-%d.json" % os.getpid()), "w") as f:
            json.dump(m, f)
        if held and not m.get("stop"):
            release(held)
        send({"t": "warning", "batch": 0, "nodeid": "", "category": "UserWarning",
              "message": "session teardown warned", "filename": "conftest.py", "lineno": 3})
        os._exit(0)
)";

class HeldFakeWorker : public testing::FakeHarnessTest {
 protected:
  HeldFakeWorker() : FakeHarnessTest("fastest-held-fake-", k_fake) {}
  ExecOptions options(int workers = 1) const {
    ExecOptions o;
    o.workers = workers;
    o.spawn.python = "/usr/bin/python3";
    o.spawn.main_script = m_dir / "main.py";
    o.spawn.extra_env = {"FAKE_DIR=" + m_dir.string()};
    o.config.hold_last = true;
    return o;
  }
  /// Runs `modules` in order; node id -> outcome of every result, and the other events.
  std::map<std::string, base::Outcome> run(Executor& ex, const std::vector<std::string>& modules) {
    std::vector<WorkItem> items;
    for (const auto& m : modules)
      items.push_back(WorkItem{.id = static_cast<std::int64_t>(items.size() + 1), .module = m});
    std::map<std::string, base::Outcome> out;
    ex.run(std::move(items), [&](const Event& ev) {
      if (ev.kind == EventKind::test_result) {
        EXPECT_TRUE(out.emplace(ev.result.node_id, ev.result.outcome).second)
            << "reported twice: " << ev.result.node_id;
      } else {
        events.push_back(ev);
      }
    });
    return out;
  }
  int count(EventKind kind) const {
    int n = 0;
    for (const auto& ev : events) n += ev.kind == kind;
    return n;
  }
  /// The `shutdown` frames the fake workers received, as JSON text.
  std::vector<std::string> shutdowns() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(m_dir))
      if (e.path().filename().string().rfind("shutdown-", 0) == 0) {
        std::ifstream in(e.path());
        std::stringstream ss;
        ss << in.rdbuf();
        out.push_back(ss.str());
      }
    return out;
  }
  std::vector<Event> events;
};

using O = base::Outcome;

TEST_F(HeldFakeWorker, HeldTestRunsWithTheNextBatchAndTheLastAtShutdown) {
  base::SteadyClock clock;
  Executor ex(options(), clock);
  auto got = run(ex, {"a.py", "b.py"});
  std::map<std::string, O> want{
      {"a.py::t1", O::passed}, {"a.py::last", O::passed}, {"b.py::t1", O::passed}, {"b.py::last", O::passed}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(count(EventKind::batch_finished), 2);
  EXPECT_EQ(count(EventKind::worker_lost), 0);
  // A warning sent after `shutdown` (session teardown) is delivered.
  ASSERT_EQ(count(EventKind::warning), 1);
  ASSERT_EQ(shutdowns().size(), 1u);
  EXPECT_EQ(shutdowns()[0].find("stop"), std::string::npos) << shutdowns()[0];
}

TEST_F(HeldFakeWorker, HeldTestCrashingWhenReleasedIsReportedAndTheNextBatchRunsInAFreshWorker) {
  base::SteadyClock clock;
  Executor ex(options(), clock);
  auto got = run(ex, {"crash_held.py", "b.py"});
  // b.py was being collected when the worker died: nothing of it ran there, so it is
  // re-queued whole, not blamed.
  std::map<std::string, O> want{{"crash_held.py::t1", O::passed},
                                {"crash_held.py::last", O::crashed},
                                {"b.py::t1", O::passed},
                                {"b.py::last", O::passed}};
  EXPECT_EQ(got, want);
}

TEST_F(HeldFakeWorker, WorkerDyingIdleWhileHoldingHasItsHeldTestRunElsewhere) {
  base::SteadyClock clock;
  Executor ex(options(), clock);
  auto got = run(ex, {"die_idle.py", "b.py"});
  std::map<std::string, O> want{{"die_idle.py::t1", O::passed},
                                {"die_idle.py::last", O::passed},
                                {"b.py::t1", O::passed},
                                {"b.py::last", O::passed}};
  EXPECT_EQ(got, want);
  EXPECT_GE(count(EventKind::worker_lost), 1);
}

TEST_F(HeldFakeWorker, HeldTestRunningAtShutdownTimesOut) {
  base::SteadyClock clock;
  auto o = options();
  o.timeout_s = 0.5;
  Executor ex(o, clock);
  auto got = run(ex, {"hang_held.py"});
  std::map<std::string, O> want{{"hang_held.py::t1", O::passed}, {"hang_held.py::last", O::timed_out}};
  EXPECT_EQ(got, want);
}

TEST_F(HeldFakeWorker, StopWhileTheHeldTestRunsAtShutdownKillsItUnreported) {
  base::SteadyClock clock;
  Executor ex(options(), clock);
  std::thread stopper([&] {
    while (!fs::exists(m_dir / "held_started")) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ex.request_stop();  // as -x does when another worker fails, or Ctrl-C
  });
  auto got = run(ex, {"hang_held.py"});
  stopper.join();
  // The fake test spins forever: the run ending at all proves the stop reached it.
  std::map<std::string, O> want{{"hang_held.py::t1", O::passed}};
  EXPECT_EQ(got, want);
}

TEST_F(HeldFakeWorker, HeldTestIsNotStartedAtShutdownAfterAnotherWorkersFatal) {
  base::SteadyClock clock;
  Executor ex(options(2), clock);
  // wait_fatal.py's worker holds its last test only once fatal.py's worker (which sends
  // `fatal`) has been reaped, so the pool is draining by then.
  auto got = run(ex, {"wait_fatal.py", "fatal.py"});
  std::map<std::string, O> want{{"wait_fatal.py::t1", O::passed}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(count(EventKind::worker_fatal), 1);
  ASSERT_EQ(shutdowns().size(), 1u);
  EXPECT_NE(shutdowns()[0].find(R"("stop": true)"), std::string::npos) << shutdowns()[0];
  // Session teardown still ran there, and what it warned is delivered.
  EXPECT_EQ(count(EventKind::warning), 1);
}

}  // namespace
}  // namespace fastest::exec
