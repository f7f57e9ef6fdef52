// Planned workers (WorkItem::worker): each slot runs its own batches in the given order,
// then unplanned ones, then steals the last batch of the slot with the most work left.
// A scripted worker: each module has the tests t1..t4; a module named slow*.py takes
// ~0.8 s, any other ~20 ms.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
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
    // Both workers boot first: a slot whose worker is still starting has its batches
    // taken from the back by the one that is ready (as in a real run).
    ex.start();
    std::this_thread::sleep_for(std::chrono::seconds(1));
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
  std::set<std::string> results;
};

TEST_F(AffinityFakeWorker, EachSlotRunsItsPlannedBatchesInTheGivenOrder) {
  // Predicted long (no batch is sent ahead) and balanced.
  std::vector<Planned> plan{{"a.py", 0, 1}, {"b.py", 1, 1}, {"c.py", 1, 1},
                            {"d.py", 0, 1}, {"e.py", 0, 1}, {"f.py", 1, 1}};
  auto began = run(plan, 2);
  EXPECT_EQ(results.size(), 24u);
  EXPECT_EQ(began[0].size() + began[1].size(), plan.size());
  // Each slot's own batches come first and in the given order; anything it ran after them
  // was stolen from the back of the other's (a slot can finish early on a loaded machine).
  for (int slot : {0, 1}) {
    SCOPED_TRACE(::testing::PrintToString(began[slot]));
    std::vector<std::string> own, stolen;
    for (const auto& m : began[slot]) {
      const auto& p = *std::find_if(plan.begin(), plan.end(), [&](const Planned& x) { return x.module == m; });
      (p.worker == slot ? own : stolen).push_back(m);
      if (p.worker == slot) {
        EXPECT_TRUE(stolen.empty()) << m << " after a stolen batch";
      }
    }
    ASSERT_FALSE(own.empty());
    EXPECT_TRUE(std::is_sorted(own.begin(), own.end()));
    EXPECT_TRUE(std::is_sorted(stolen.rbegin(), stolen.rend()));
  }
}

TEST_F(AffinityFakeWorker, AnIdleSlotStealsFromTheBackOfTheBusiestAndUnplannedComeFirst) {
  // Slot 0 was planned too much (its first batch runs 40 times longer than predicted);
  // slot 1 runs its own d.py, then the unplanned u.py, then takes slot 0's batches from
  // the back: c.py first. Whatever slot 0 still runs after slow.py keeps its order.
  std::vector<Planned> plan{{"slow.py", 0, 0.02}, {"a.py", 0, 0.02}, {"b.py", 0, 0.02},
                            {"c.py", 0, 0.02},    {"d.py", 1, 0.02}, {"u.py", -1, 0.02}};
  auto began = run(plan, 2);
  EXPECT_EQ(results.size(), 24u);
  ASSERT_FALSE(began[0].empty());
  EXPECT_EQ(began[0].front(), "slow.py");
  ASSERT_GE(began[1].size(), 3u) << ::testing::PrintToString(began[1]);
  EXPECT_EQ(began[1][0], "d.py");
  EXPECT_EQ(began[1][1], "u.py");
  EXPECT_EQ(began[1][2], "c.py");
  // Stolen ones go backwards on slot 1; slot 0's own go forwards.
  const std::vector<std::string> own{"a.py", "b.py", "c.py"};
  auto rank = [&](const std::string& m) { return std::find(own.begin(), own.end(), m) - own.begin(); };
  for (std::size_t i = 3; i < began[1].size(); ++i) EXPECT_LT(rank(began[1][i]), rank(began[1][i - 1]));
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
