// Batched frames (docs/protocol.md, "Batched frames"): the worker holds its frames in a
// spill both sides map, and what it held when it died still reaches the controller.
// A scripted worker speaks through the harness's own proto.Channel; each module has the
// tests t1..t4 and its name picks how the worker dies at t3 (the first time only).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "exec/executor.h"
#include "exec/fake_harness.h"

namespace fastest::exec {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_fake = R"(import os, sys
sys.path.insert(0, os.environ["FAKE_PY"])
from fastest_worker.proto import Channel
D = os.environ["FAKE_DIR"]
args = sys.argv[1:]
spill = int(args[args.index("--spill-fd") + 1]) if "--spill-fd" in args else -1
def note(name, text):
    with open(os.path.join(D, name), "w") as f:
        f.write(str(text))
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
note("spill", spill)
while True:
    m = ch.recv()
    if m is None or m["t"] == "shutdown":
        ch.flush()
        os._exit(0)
    b, module = m["batch"], m["module"]
    items = [i for i in (module + "::t%d" % n for n in range(1, 5))
             if not m["select"] or i in m["select"]]
    ch.send({"t": "collected", "batch": b, "module": module, "items": items})
    for nodeid in items:
        ch.queue({"t": "start", "batch": b, "nodeid": nodeid})
        ch.flush_soon()
        if nodeid.endswith("::t3") and module != "ok.py" and once("died"):
            note("held", ch._held)
            if module == "half_written.py":
                # Dies half-way through writing what it held: part of it reached the pipe.
                view = memoryview(ch._spill)[12:12 + ch._held]
                os.write(4, view[:len(view) // 2 + 3])
            os._exit(1)
        ch.queue({"t": "result", "batch": b, "nodeid": nodeid, "outcome": "passed",
                  "when": "call", "setup_s": 0.0, "call_s": 0.0, "teardown_s": 0.0})
    ch.send({"t": "batch_done", "batch": b, "duration_s": 0.0, "import_s": 0.0})
)";

class SpillFakeWorker : public testing::FakeHarnessTest {
 protected:
  SpillFakeWorker() : FakeHarnessTest("fastest-spill-fake-", k_fake) {}
  ExecOptions options() const { return proto_options(); }
  std::map<std::string, base::Outcome> run(Executor& ex, const std::string& module) {
    std::map<std::string, base::Outcome> out;
    ex.run({WorkItem{.id = 1, .module = module}}, [&](const Event& ev) {
      if (ev.kind == EventKind::test_result) {
        EXPECT_TRUE(out.emplace(ev.result.node_id, ev.result.outcome).second)
            << "reported twice: " << ev.result.node_id;
      }
    });
    return out;
  }
  std::string noted(const std::string& name) const {
    std::ifstream in(m_dir / name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
};

using O = base::Outcome;

TEST_F(SpillFakeWorker, CrashKeepsTheResultsItHeldAndNamesTheTestInFlight) {
  base::SteadyClock clock;
  Executor ex(options(), clock);
  auto got = run(ex, "crash.py");
  std::map<std::string, O> want{{"crash.py::t1", O::passed},
                                {"crash.py::t2", O::passed},
                                {"crash.py::t3", O::crashed},
                                {"crash.py::t4", O::passed}};
  EXPECT_EQ(got, want);
  EXPECT_NE(noted("spill"), "-1");
  // t1, t2 and t3's start were still held, not written, when the worker died.
  EXPECT_NE(noted("held"), "0");
}

TEST_F(SpillFakeWorker, DyingHalfWayThroughAWriteLosesAndRepeatsNothing) {
  base::SteadyClock clock;
  Executor ex(options(), clock);
  auto got = run(ex, "half_written.py");
  std::map<std::string, O> want{{"half_written.py::t1", O::passed},
                                {"half_written.py::t2", O::passed},
                                {"half_written.py::t3", O::crashed},
                                {"half_written.py::t4", O::passed}};
  EXPECT_EQ(got, want);
}

TEST_F(SpillFakeWorker, TimeoutRunsGetNoSpillSoEveryStartComesAtOnce) {
  base::SteadyClock clock;
  ExecOptions o = options();
  o.timeout_s = 30;
  Executor ex(o, clock);
  auto got = run(ex, "ok.py");
  EXPECT_EQ(got.size(), 4u);
  EXPECT_EQ(noted("spill"), "-1");
}

}  // namespace
}  // namespace fastest::exec
