// Batches sent ahead (docs/protocol.md, "Batches sent ahead"): a worker running a batch
// predicted short already has its next `run` in its pipe. A scripted worker speaks through
// the harness's own proto.Channel (with the spill); each module has the tests t1..t4, each
// batch takes ~50 ms, and the module's name picks what goes wrong (the first time only).
// At every batch's end the worker notes whether its next `run` was already waiting.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "exec/executor.h"
#include "exec/fake_harness.h"

namespace fastest::exec {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_fake = R"(import os, select, sys, time
sys.path.insert(0, os.environ["FAKE_PY"])
from fastest_worker.proto import Channel
D = os.environ["FAKE_DIR"]
args = sys.argv[1:]
spill = int(args[args.index("--spill-fd") + 1]) if "--spill-fd" in args else -1
def note(line):
    with open(os.path.join(D, "log"), "a") as f:
        f.write(line + "\n")
def once(name):
    p = os.path.join(D, name)
    if os.path.exists(p):
        return False
    open(p, "w").close()
    return True
ch = Channel(3, 4)
ch.send({"t": "ready", "protocol": 2, "pid": os.getpid(), "python": "3"})
assert ch.recv()["t"] == "config"
if spill >= 0:
    ch.batch_frames(spill)
while True:
    m = ch.recv()
    if m is None or m["t"] == "shutdown":
        ch.flush()
        os._exit(0)
    b, module = m["batch"], m["module"]
    note("begin %s %d" % (module, os.getpid()))
    if module == "import_crash.py" and once("import_crash"):
        os._exit(3)
    items = [i for i in (module + "::t%d" % n for n in range(1, 5))
             if not m["select"] or i in m["select"]]
    ch.queue({"t": "collected", "batch": b, "module": module, "items": items})
    for nodeid in items:
        ch.queue({"t": "start", "batch": b, "nodeid": nodeid})
        ch.flush_soon()
        time.sleep(0.2 if module == "fail.py" else 0.0125)
        if nodeid.endswith("::t2") and module == "crash.py" and once("crash"):
            os._exit(1)
        if nodeid.endswith("::t2") and module == "hang.py" and once("hang"):
            time.sleep(60)
        failed = nodeid == "fail.py::t1"
        ch.queue({"t": "result", "batch": b, "nodeid": nodeid, "outcome": "failed" if failed else "passed",
                  "when": "call", "setup_s": 0.0, "call_s": 0.0, "teardown_s": 0.0})
        if failed:
            ch.flush()
    waiting = bool(ch._buf) or bool(select.select([3], [], [], 0)[0])
    note("end %s %d" % (module, waiting))
    ch.send({"t": "batch_done", "batch": b, "duration_s": 0.0, "import_s": 0.0})
)";

class AheadFakeWorker : public testing::FakeHarnessTest {
 protected:
  AheadFakeWorker() : FakeHarnessTest("fastest-ahead-fake-", k_fake) {}
  ExecOptions options() const { return proto_options(); }
  /// Runs `modules` in order, each predicted `cost_s`; node id -> outcome of every result.
  /// `stop_at_failure`: request_stop() at the first failed result, as -x does.
  std::map<std::string, base::Outcome> run(Executor& ex, const std::vector<std::string>& modules, double cost_s,
                                           bool stop_at_failure = false) {
    std::vector<WorkItem> items;
    for (const auto& m : modules)
      items.push_back(WorkItem{.id = static_cast<std::int64_t>(items.size() + 1), .module = m, .cost_s = cost_s});
    std::map<std::string, base::Outcome> out;
    std::map<int, std::int64_t> open;  // worker -> batch it runs
    ex.run(std::move(items), [&](const Event& ev) {
      if (ev.kind == EventKind::test_result) {
        EXPECT_TRUE(out.emplace(ev.result.node_id, ev.result.outcome).second)
            << "reported twice: " << ev.result.node_id;
        if (stop_at_failure && ev.result.outcome == base::Outcome::failed) ex.request_stop();
      }
      // Consumers see one batch at a time per worker, sent ahead or not.
      if (ev.kind == EventKind::batch_started) {
        EXPECT_EQ(open.count(ev.worker), 0u) << "batch " << ev.batch << " started on a busy worker";
        open[ev.worker] = ev.batch;
      }
      if (ev.kind == EventKind::batch_finished) {
        EXPECT_EQ(open[ev.worker], ev.batch);
        open.erase(ev.worker);
      }
      if (ev.kind == EventKind::worker_lost) {
        ++lost;
        open.erase(ev.worker);
      }
    });
    return out;
  }
  /// The worker's notes: "begin <module> <pid>", "end <module> <next run waiting: 0/1>".
  std::vector<std::string> log() const {
    std::ifstream in(m_dir / "log");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  /// pid of the first worker that began `module`.
  std::string began_in(const std::string& module) const {
    for (const auto& line : log())
      if (line.rfind("begin " + module + " ", 0) == 0) return line.substr(line.rfind(' ') + 1);
    return "";
  }
  static std::map<std::string, base::Outcome> passed(const std::vector<std::string>& modules) {
    std::map<std::string, base::Outcome> out;
    for (const auto& m : modules)
      for (int t = 1; t <= 4; ++t) out[m + "::t" + std::to_string(t)] = base::Outcome::passed;
    return out;
  }
  int lost = 0;
};

using O = base::Outcome;

TEST_F(AheadFakeWorker, ShortBatchesFindTheirNextRunWaitingButNotAtTheEnd) {
  base::SteadyClock clock;
  Executor ex(options(), clock);
  std::vector<std::string> mods{"a.py", "b.py", "c.py", "d.py", "e.py", "f.py"};
  EXPECT_EQ(run(ex, mods, 0.001), passed(mods));
  auto lines = log();
  // Sent with the first batch, so waiting at its end.
  EXPECT_NE(std::find(lines.begin(), lines.end(), "end a.py 1"), lines.end()) << ::testing::PrintToString(lines);
  // Once no more batches wait than there are workers, none is sent ahead: the last ones
  // go to whichever worker frees first, so f.py was sent only after e.py's end.
  EXPECT_NE(std::find(lines.begin(), lines.end(), "end e.py 0"), lines.end()) << ::testing::PrintToString(lines);
  EXPECT_EQ(lost, 0);
}

TEST_F(AheadFakeWorker, LongOrUnknownBatchesHaveNothingSentAhead) {
  for (double cost : {0.0, 1.0}) {
    SCOPED_TRACE(cost);
    fs::remove(m_dir / "log");
    base::SteadyClock clock;
    Executor ex(options(), clock);
    std::vector<std::string> mods{"a.py", "b.py", "c.py", "d.py"};
    EXPECT_EQ(run(ex, mods, cost), passed(mods));
    for (const auto& line : log())
      if (line.rfind("end ", 0) == 0) {
        EXPECT_EQ(line.back(), '0') << line;
      }
  }
}

TEST_F(AheadFakeWorker, ABatchWhoseRunFrameIsLargeIsNotSentAhead) {
  base::SteadyClock clock;
  Executor ex(options(), clock);
  std::vector<std::string> mods{"a.py", "big.py", "c.py", "d.py", "e.py", "f.py"};
  std::vector<WorkItem> items;
  for (const auto& m : mods)
    items.push_back(WorkItem{.id = static_cast<std::int64_t>(items.size() + 1), .module = m, .cost_s = 0.001});
  // ~100 KB of selection: more than a pipe holds while its busy worker reads nothing.
  for (int t = 1; t <= 4; ++t) items[1].select.push_back("big.py::t" + std::to_string(t));
  for (int i = 0; i < 1500; ++i)
    items[1].select.push_back("big.py::absent_" + std::string(50, 'x') + std::to_string(i));
  std::set<std::string> got;
  ex.run(std::move(items), [&](const Event& ev) {
    if (ev.kind == EventKind::test_result && ev.result.outcome == O::passed) got.insert(ev.result.node_id);
  });
  EXPECT_EQ(got.size(), 24u);
  auto lines = log();
  EXPECT_NE(std::find(lines.begin(), lines.end(), "end a.py 0"), lines.end()) << ::testing::PrintToString(lines);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "end big.py 1"), lines.end()) << ::testing::PrintToString(lines);
}

TEST_F(AheadFakeWorker, CrashWithBatchesQueuedAheadBlamesItsTestAndRunsTheQueuedOnesElsewhere) {
  base::SteadyClock clock;
  Executor ex(options(), clock);
  // crash.py runs sent ahead behind a.py, with b.py and c.py queued behind it.
  std::vector<std::string> mods{"a.py", "crash.py", "b.py", "c.py", "d.py", "e.py"};
  auto want = passed(mods);
  want["crash.py::t2"] = O::crashed;
  EXPECT_EQ(run(ex, mods, 0.001), want);
  EXPECT_EQ(lost, 1);
  // b.py had not begun when the worker died: a fresh worker runs it, and the crashed
  // worker never began it (no `begin` line from that pid).
  const std::string dead = began_in("crash.py");
  int crash_begins = 0;
  for (const auto& line : log()) {
    if (line.rfind("begin crash.py ", 0) == 0) ++crash_begins;
    if (line.rfind("begin b.py ", 0) == 0 || line.rfind("begin c.py ", 0) == 0) {
      EXPECT_NE(line.substr(line.rfind(' ') + 1), dead) << line;
    }
  }
  EXPECT_EQ(crash_begins, 2) << "its rest (t3, t4) ran in a fresh worker";
}

TEST_F(AheadFakeWorker, DeathImportingABatchSentAheadRetriesItOnAFreshWorker) {
  base::SteadyClock clock;
  Executor ex(options(), clock);
  std::vector<std::string> mods{"a.py", "import_crash.py", "b.py", "c.py", "d.py"};
  EXPECT_EQ(run(ex, mods, 0.001), passed(mods));
  EXPECT_EQ(lost, 1);
}

TEST_F(AheadFakeWorker, TimeoutWithBatchesQueuedAheadRunsTheRestElsewhere) {
  base::SteadyClock clock;
  auto o = options();
  o.timeout_s = 1;
  o.stack_dump_wait_s = 0.2;
  Executor ex(o, clock);
  std::vector<std::string> mods{"hang.py", "a.py", "b.py", "c.py", "d.py"};
  auto want = passed(mods);
  want["hang.py::t2"] = O::timed_out;
  EXPECT_EQ(run(ex, mods, 0.001), want);
  EXPECT_EQ(lost, 1);
}

TEST_F(AheadFakeWorker, StopWithBatchesQueuedAheadReportsNoneOfThem) {
  base::SteadyClock clock;
  Executor ex(options(), clock);
  const auto t0 = std::chrono::steady_clock::now();
  auto got = run(ex, {"fail.py", "a.py", "b.py", "c.py", "d.py"}, 0.001, /*stop_at_failure=*/true);
  // fail.py's t2..t4 take 0.6 s more: the stop kills its worker before they end.
  EXPECT_EQ(got, (std::map<std::string, O>{{"fail.py::t1", O::failed}}));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));  // a hang only
  for (const auto& line : log()) EXPECT_EQ(line.rfind("begin a.py", 0), std::string::npos) << line;
}

}  // namespace
}  // namespace fastest::exec
