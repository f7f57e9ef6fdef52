// Planned workers (WorkItem::worker) through the executor (the rule itself:
// tests/base/work_queues_test.cc): each slot runs its own batches in the given order.
// A scripted worker: each module has the tests t1..t4; a module named slow*.py takes
// ~0.8 s, any other ~20 ms.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "exec/executor.h"
#include "exec/fake_harness.h"

namespace fastest::exec {
namespace {

constexpr const char* k_fake = R"(import os, sys, time
sys.path.insert(0, os.environ["FAKE_PY"])
from fastest_worker.proto import Channel
ch = Channel(3, 4)
ch.send({"t": "ready", "protocol": 2, "pid": os.getpid(), "python": "3"})
assert ch.recv()["t"] == "config"
open(os.path.join(os.environ["FAKE_DIR"], "ready-%d" % os.getpid()), "w").close()
while True:
    m = ch.recv()
    if m is None or m["t"] == "shutdown":
        ch.flush()
        os._exit(0)
    b, module = m["batch"], m["module"]
    items = [module + "::t%d" % n for n in range(1, 5)]
    ch.queue({"t": "collected", "batch": b, "module": module, "items": items})
    for nodeid in items:
        time.sleep(0.2 if module.startswith("slow") else 0.005)
        ch.queue({"t": "result", "batch": b, "nodeid": nodeid, "outcome": "passed",
                  "when": "call", "setup_s": 0.0, "call_s": 0.0, "teardown_s": 0.0})
    ch.send({"t": "batch_done", "batch": b, "duration_s": 0.0, "import_s": 0.0})
)";

class AffinityFakeWorker : public testing::FakeHarnessTest {
 protected:
  AffinityFakeWorker() : FakeHarnessTest("fastest-affinity-fake-", k_fake) {}

  struct Planned {
    std::string module;
    int worker;
    double cost_s;
  };
  /// Runs `plan` on `workers` slots; the modules each slot began, in order.
  std::map<int, std::vector<std::string>> run(const std::vector<Planned>& plan, int workers) {
    ExecOptions o = proto_options();
    o.workers = workers;
    base::SteadyClock clock;
    Executor ex(o, clock);
    // Every worker boots first: a slot whose worker is still starting has its batches
    // taken over by the ones that are ready (as in a real run).
    ex.start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (ready_workers() < workers && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::vector<WorkItem> items;
    for (const auto& p : plan)
      items.push_back(WorkItem{.id = static_cast<std::int64_t>(items.size() + 1),
                               .module = p.module,
                               .cost_s = p.cost_s,
                               .worker = p.worker});
    std::map<int, std::vector<std::string>> began;
    ex.run(std::move(items), [&](const Event& ev) {
      if (ev.kind == EventKind::batch_started) began[ev.worker].push_back(ev.module);
      if (ev.kind == EventKind::test_result) {
        EXPECT_TRUE(results.insert(ev.result.node_id).second) << "reported twice: " << ev.result.node_id;
      }
    });
    return began;
  }
  int ready_workers() const {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(m_dir))
      n += e.path().filename().string().rfind("ready-", 0) == 0;
    return n;
  }
  std::set<std::string> results;
};

TEST_F(AffinityFakeWorker, EachSlotRunsItsPlannedBatchesInTheGivenOrder) {
  // Predicted long (no batch is sent ahead) and balanced.
  std::vector<Planned> plan{{"a.py", 0, 1}, {"b.py", 1, 1}, {"c.py", 1, 1},
                            {"d.py", 0, 1}, {"e.py", 0, 1}, {"f.py", 1, 1}};
  auto began = run(plan, 2);
  EXPECT_EQ(results.size(), 24u);
  EXPECT_EQ(began[0].size() + began[1].size(), plan.size());
  // Each slot runs batches in the given order (its own, and any it took over from the
  // other because that one was predicted to finish later); anything after that was
  // stolen from the back of the other's queue, so it comes in decreasing order.
  auto rank = [&](const std::string& m) {
    return std::find_if(plan.begin(), plan.end(), [&](const Planned& p) { return p.module == m; }) - plan.begin();
  };
  for (int slot : {0, 1}) {
    SCOPED_TRACE(::testing::PrintToString(began[slot]));
    ASSERT_FALSE(began[slot].empty());
    EXPECT_EQ(plan[static_cast<std::size_t>(rank(began[slot][0]))].worker, slot);
    std::size_t i = 1;
    while (i < began[slot].size() && rank(began[slot][i]) > rank(began[slot][i - 1])) ++i;
    for (++i; i < began[slot].size(); ++i) EXPECT_LT(rank(began[slot][i]), rank(began[slot][i - 1]));
  }
}

TEST_F(AffinityFakeWorker, ASlotTakesOverTheLaterBatchesOfOneRunningLateInOrderThenSteals) {
  // Slot 0 was planned too much, and its first batch runs 40 times longer than predicted.
  // Slot 1 first moves c.py (after the last it took, so in order: before its own d.py),
  // runs d.py, the unplanned u.py, and then, with nothing left after u.py in collection
  // order, steals slot 0's batches from the back: b.py, then a.py.
  std::vector<Planned> plan{{"slow.py", 0, 0.02}, {"a.py", 0, 0.02}, {"b.py", 0, 0.02},
                            {"c.py", 0, 0.02},    {"d.py", 1, 0.02}, {"u.py", -1, 0.02}};
  auto began = run(plan, 2);
  EXPECT_EQ(results.size(), 24u);
  ASSERT_FALSE(began[0].empty());
  EXPECT_EQ(began[0].front(), "slow.py");
  ASSERT_GE(began[1].size(), 3u) << ::testing::PrintToString(began[1]);
  EXPECT_EQ(std::vector<std::string>(began[1].begin(), began[1].begin() + 3),
            (std::vector<std::string>{"c.py", "d.py", "u.py"}));
  // Stolen ones go backwards on slot 1; slot 0's own go forwards.
  const std::vector<std::string> own{"a.py", "b.py"};
  auto rank = [&](const std::string& m) { return std::find(own.begin(), own.end(), m) - own.begin(); };
  for (std::size_t i = 4; i < began[1].size(); ++i) EXPECT_LT(rank(began[1][i]), rank(began[1][i - 1]));
  for (std::size_t i = 2; i < began[0].size(); ++i) EXPECT_GT(rank(began[0][i]), rank(began[0][i - 1]));
  EXPECT_EQ(began[0].size() + began[1].size(), plan.size());
}

TEST_F(AffinityFakeWorker, AWorkerIndexPastThePoolIsUnplanned) {
  std::vector<Planned> plan{{"a.py", 5, 1}, {"b.py", 0, 1}};
  auto began = run(plan, 1);
  EXPECT_EQ(results.size(), 8u);
  // Own batches first, then the unplanned one.
  EXPECT_EQ(began[0], (std::vector<std::string>{"b.py", "a.py"}));
}

}  // namespace
}  // namespace fastest::exec
