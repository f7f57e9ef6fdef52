#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "scheduler/plan.h"
#include "scheduler/suite_gen.h"

namespace fastest::scheduler {
namespace {

using testing::random_suite;
using testing::Suite;

// One test per module of the given cost; overhead 0 so batch costs are exact.
Suite flat_suite(const std::vector<double>& module_costs) {
  Suite s;
  for (std::size_t i = 0; i < module_costs.size(); ++i) {
    ModuleInput m{"m" + std::to_string(i) + ".py", {{"m" + std::to_string(i) + ".py::test"}}};
    s.history.test_seconds.emplace_back(m.tests[0].node_id, module_costs[i]);
    s.history.module_overhead[m.module] = 0.0;
    s.modules.push_back(std::move(m));
  }
  return s;
}

// Appends big.py: `tests` tests of `seconds` each (its overhead is left to the caller).
ModuleInput add_big_module(Suite& s, int tests, double seconds) {
  ModuleInput big{"big.py", {}};
  for (int i = 0; i < tests; ++i) {
    big.tests.push_back({"big.py::test_" + std::to_string(i)});
    s.history.test_seconds.emplace_back(big.tests.back().node_id, seconds);
  }
  s.modules.push_back(big);
  return big;
}

PlanOptions with_workers(int workers, Schedule schedule = Schedule::history) {
  PlanOptions o;
  o.workers = workers;
  o.schedule = schedule;
  return o;
}

// Every static test appears in exactly one batch of its own module.
void expect_each_test_once(const Suite& s, const Plan& plan) {
  std::map<std::string, int> seen;
  for (const Batch& b : plan.batches) {
    const auto mod =
        std::find_if(s.modules.begin(), s.modules.end(), [&](const ModuleInput& m) { return m.module == b.module; });
    ASSERT_NE(mod, s.modules.end()) << b.module;
    if (b.select.empty()) {
      for (const TestInput& t : mod->tests) ++seen[t.node_id];
    } else {
      for (const std::string& id : b.select) ++seen[id];
    }
  }
  std::size_t expected = 0;
  for (const ModuleInput& m : s.modules) {
    expected += m.tests.size();
    for (const TestInput& t : m.tests) EXPECT_EQ(seen[t.node_id], 1) << t.node_id;
  }
  EXPECT_EQ(seen.size(), expected);
}

// Exhaustive optimum of assigning whole modules to workers.
double brute_force_optimum(const std::vector<double>& costs, int workers) {
  double best = 1e300;
  std::vector<int> choice(costs.size(), 0);
  while (true) {
    std::vector<double> load(static_cast<std::size_t>(workers), 0.0);
    for (std::size_t i = 0; i < costs.size(); ++i) load[static_cast<std::size_t>(choice[i])] += costs[i];
    best = std::min(best, *std::max_element(load.begin(), load.end()));
    std::size_t i = 0;
    while (i < choice.size() && ++choice[i] == workers) choice[i++] = 0;
    if (i == choice.size()) return best;
  }
}

TEST(LptPlan, EachWorkerRunsItsLptShareInCollectionOrder) {
  // LPT: m1 (5) -> w0, m3 (5) -> w1, m2 (3) -> w0 (tie: lowest index), m0 (1) -> w1, m4 -> w1.
  Suite s = flat_suite({1.0, 5.0, 3.0, 5.0, 0.5});
  Plan plan = make_plan(s.modules, s.history, with_workers(2));
  ASSERT_EQ(plan.batches.size(), 5u);
  const int expected_worker[] = {1, 0, 0, 1, 1};
  for (std::size_t i = 0; i < plan.batches.size(); ++i) {
    EXPECT_EQ(plan.batches[i].module, "m" + std::to_string(i) + ".py");  // collection order
    EXPECT_EQ(plan.batches[i].worker, expected_worker[i]) << plan.batches[i].module;
  }
  EXPECT_DOUBLE_EQ(plan.predicted_makespan_s, 8.0);  // w0: 5 + 3; w1: 1 + 5 + 0.5
}

TEST(LptPlan, GroupedModulesShareOneWorkerWholeAndCountAsOnePiece) {
  // m0 and m3 hold xdist_group tests: one unit of 6 s for LPT, never sliced, pinned.
  Suite s = flat_suite({3.0, 2.0, 2.0, 3.0, 1.0});
  s.modules[0].grouped = s.modules[3].grouped = true;
  s.modules[0].tests.push_back({"m0.py::test_more"});  // splittable, were it not grouped
  Plan plan = make_plan(s.modules, s.history, with_workers(2));
  ASSERT_EQ(plan.batches.size(), 5u);
  EXPECT_EQ(plan.batches[0].worker, plan.batches[3].worker);
  EXPECT_TRUE(plan.batches[0].pinned && plan.batches[3].pinned);
  EXPECT_FALSE(plan.batches[1].pinned);
  for (std::size_t i : {1u, 2u, 4u}) EXPECT_NE(plan.batches[i].worker, plan.batches[0].worker) << i;
  EXPECT_GE(plan.lower_bound_s, 6.0);
  EXPECT_GE(plan.predicted_makespan_s, 6.0);
  // fifo: the grouped ones on worker 0, the rest shared.
  PlanOptions fifo = with_workers(2);
  fifo.schedule = Schedule::fifo;
  Plan f = make_plan(s.modules, s.history, fifo);
  EXPECT_EQ(f.batches[0].worker, 0);
  EXPECT_EQ(f.batches[3].worker, 0);
  EXPECT_EQ(f.batches[1].worker, -1);
}

TEST(LptPlan, FifoPlansNoWorkers) {
  Suite s = flat_suite({1.0, 5.0, 3.0});
  PlanOptions opts = with_workers(2);
  opts.schedule = Schedule::fifo;
  Plan plan = make_plan(s.modules, s.history, opts);
  ASSERT_EQ(plan.batches.size(), 3u);
  for (const Batch& b : plan.batches) EXPECT_EQ(b.worker, -1) << b.module;
  EXPECT_DOUBLE_EQ(plan.predicted_makespan_s, 5.0);  // list scheduling in order: 1 + 3 | 5
}

TEST(LptPlan, BatchCostIncludesModuleOverhead) {
  Suite s = flat_suite({1.0});
  s.history.module_overhead["m0.py"] = 0.25;
  Plan plan = make_plan(s.modules, s.history, with_workers(1));
  ASSERT_EQ(plan.batches.size(), 1u);
  EXPECT_DOUBLE_EQ(plan.batches[0].cost_s, 1.25);
  EXPECT_TRUE(plan.batches[0].select.empty());
  EXPECT_FALSE(plan.batches[0].estimated);
}

TEST(LptPlan, PredictsMakespanByListScheduling) {
  Suite s = flat_suite({3.0, 3.0, 2.0, 2.0, 2.0});
  Plan plan = make_plan(s.modules, s.history, with_workers(2));
  // LPT: 3|3, 2->5|2->5, 2->7: 7 (the optimum is 6; LPT's bound is 7/6 here).
  EXPECT_DOUBLE_EQ(plan.predicted_makespan_s, 7.0);
  EXPECT_DOUBLE_EQ(plan.total_s, 12.0);
  EXPECT_DOUBLE_EQ(plan.lower_bound_s, 6.0);
}

TEST(LptPlan, EveryTestScheduledExactlyOnce) {
  for (unsigned seed = 1; seed <= 40; ++seed) {
    std::lognormal_distribution<double> dist(-3.0, 2.0);
    Suite s = random_suite(seed, 1 + static_cast<int>(seed % 17), 30, dist);
    for (int workers : {1, 2, 3, 8}) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " workers " + std::to_string(workers));
      expect_each_test_once(s, make_plan(s.modules, s.history, with_workers(workers)));
    }
  }
}

TEST(LptPlan, SameInputSamePlanWhateverTheHistoryInsertionOrder) {
  std::lognormal_distribution<double> dist(-2.0, 1.5);
  Suite s = random_suite(7, 40, 25, dist);
  // The same history in reverse order.
  History reversed;
  reversed.test_seconds.assign(s.history.test_seconds.rbegin(), s.history.test_seconds.rend());
  reversed.module_overhead = s.history.module_overhead;
  // A test with no history exercises the global mean, the order-sensitive sum.
  s.modules.push_back({"new.py", {{"new.py::test"}}});
  Plan a = make_plan(s.modules, s.history, with_workers(3));
  Plan b = make_plan(s.modules, reversed, with_workers(3));
  ASSERT_EQ(a.batches.size(), b.batches.size());
  for (std::size_t i = 0; i < a.batches.size(); ++i) {
    EXPECT_EQ(a.batches[i].module, b.batches[i].module);
    EXPECT_EQ(a.batches[i].select, b.batches[i].select);
    EXPECT_EQ(a.batches[i].cost_s, b.batches[i].cost_s);  // bit-identical, not just close
  }
  EXPECT_EQ(a.predicted_makespan_s, b.predicted_makespan_s);
}

TEST(LptPlan, FifoKeepsFileOrderAndNeverSplits) {
  Suite s = flat_suite({1.0, 5.0, 3.0});
  s.modules[1].tests.push_back({"m1.py::test_b"});
  s.history.test_seconds.emplace_back("m1.py::test_b", 50.0);
  Plan plan = make_plan(s.modules, s.history, with_workers(2, Schedule::fifo));
  ASSERT_EQ(plan.batches.size(), 3u);
  EXPECT_EQ(plan.batches[0].module, "m0.py");
  EXPECT_EQ(plan.batches[1].module, "m1.py");
  EXPECT_EQ(plan.batches[2].module, "m2.py");
  EXPECT_TRUE(plan.batches[1].select.empty());
  EXPECT_DOUBLE_EQ(plan.batches[1].cost_s, 55.0);  // costs still estimated for the prediction
  EXPECT_DOUBLE_EQ(plan.predicted_makespan_s, 55.0);
  EXPECT_DOUBLE_EQ(plan.lower_bound_s, 55.0);  // fifo modules are indivisible
}

TEST(LptPlan, SplittingADominatingModuleLowersMakespanAndPaysOverheadPerSlice) {
  Suite s = flat_suite({1.0, 1.0});
  const ModuleInput big = add_big_module(s, 8, 1.0);
  s.history.module_overhead["big.py"] = 0.5;
  PlanOptions no_split = with_workers(2);
  no_split.split_modules = false;
  Plan whole = make_plan(s.modules, s.history, no_split);
  Plan split = make_plan(s.modules, s.history, with_workers(2));
  EXPECT_DOUBLE_EQ(whole.predicted_makespan_s, 8.5);
  EXPECT_LT(split.predicted_makespan_s, whole.predicted_makespan_s);
  EXPECT_DOUBLE_EQ(split.predicted_makespan_s, 5.5);  // 4 tests + overhead, and 4 + overhead + 1
  int slices = 0;
  for (const Batch& b : split.batches) {
    if (b.module != "big.py") continue;
    ++slices;
    EXPECT_EQ(b.slices, 2);
    EXPECT_DOUBLE_EQ(b.cost_s, 0.5 + static_cast<double>(b.select.size()));
  }
  EXPECT_EQ(slices, 2);
  EXPECT_DOUBLE_EQ(split.total_s, whole.total_s + 0.5);  // the second slice imports again
  expect_each_test_once(s, split);
}

TEST(LptPlan, SlicesAreContiguousInFileOrder) {
  Suite s;
  const ModuleInput big = add_big_module(s, 9, 1.0);
  s.history.module_overhead["big.py"] = 0.01;
  Plan plan = make_plan(s.modules, s.history, with_workers(3));
  ASSERT_EQ(plan.batches.size(), 3u);
  std::vector<const Batch*> by_slice(3);
  for (const Batch& b : plan.batches) by_slice[static_cast<std::size_t>(b.slice)] = &b;
  std::vector<std::string> order;
  for (const Batch* b : by_slice) order.insert(order.end(), b->select.begin(), b->select.end());
  std::vector<std::string> expected;
  for (const TestInput& t : big.tests) expected.push_back(t.node_id);
  EXPECT_EQ(order, expected);
}

TEST(LptPlan, DoesNotSplitAModuleWhoseImportCostWasNeverMeasured) {
  Suite s;
  add_big_module(s, 9, 1.0);
  Plan plan = make_plan(s.modules, s.history, with_workers(3));
  ASSERT_EQ(plan.batches.size(), 1u);
  EXPECT_TRUE(plan.batches[0].select.empty());
}

TEST(LptPlan, DoesNotSplitWhenItWouldNotHelp) {
  Suite s = flat_suite({4.0, 4.0});
  s.modules[0].tests.push_back({"m0.py::test_b"});
  s.history.test_seconds.emplace_back("m0.py::test_b", 0.1);
  s.history.module_overhead["m0.py"] = 1.0;
  Plan plan = make_plan(s.modules, s.history, with_workers(2));
  EXPECT_EQ(plan.batches.size(), 2u);
}

TEST(LptPlan, DoesNotSplitForAMarginalGain) {
  // The real suite's shape: the big module's cost is nearly all import and collection,
  // which every slice pays again; two slices would gain 0.4 s on paper for 15 s more import.
  Suite s = flat_suite({0.1, 0.1, 0.1});
  add_big_module(s, 4, 0.25);
  s.history.module_overhead["big.py"] = 15.0;
  Plan plan = make_plan(s.modules, s.history, with_workers(2));
  for (const Batch& b : plan.batches) EXPECT_TRUE(b.select.empty()) << b.module;
  EXPECT_DOUBLE_EQ(plan.predicted_makespan_s, 16.0);
}

TEST(LptPlan, OneWorkerNeverSplits) {
  Suite s;
  s.modules.push_back({"a.py", {{"a.py::x"}, {"a.py::y"}}});
  Plan plan = make_plan(s.modules, s.history, with_workers(1));
  EXPECT_EQ(plan.batches.size(), 1u);
}

TEST(LptPlan, LowerBoundIsTheLargerOfShareAndLargestIndivisiblePiece) {
  Suite s = flat_suite({1.0, 1.0, 1.0});
  s.modules.push_back({"big.py", {{"big.py::a"}, {"big.py::b"}}});
  s.history.test_seconds.emplace_back("big.py::a", 10.0);
  s.history.test_seconds.emplace_back("big.py::b", 2.0);
  s.history.module_overhead["big.py"] = 0.5;
  Plan plan = make_plan(s.modules, s.history, with_workers(2));
  EXPECT_DOUBLE_EQ(plan.lower_bound_s, 10.5);  // one test + its module's overhead
  plan = make_plan(s.modules, s.history, with_workers(1));
  EXPECT_DOUBLE_EQ(plan.lower_bound_s, 15.5);
  PlanOptions no_split = with_workers(2);
  no_split.split_modules = false;
  EXPECT_DOUBLE_EQ(make_plan(s.modules, s.history, no_split).lower_bound_s, 12.5);
}

TEST(LptPlan, SmallCasesWithinLptBoundOfBruteForceOptimum) {
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> count(1, 8);
  std::uniform_real_distribution<double> cost(0.1, 10.0);
  for (int round = 0; round < 300; ++round) {
    std::vector<double> costs(static_cast<std::size_t>(count(rng)));
    // Whole milliseconds: the cost model keeps integer nanoseconds, the brute force must agree.
    for (double& c : costs) c = std::round(cost(rng) * 1000) / 1000;
    const int workers = 1 + round % 3;
    Suite s = flat_suite(costs);
    Plan plan = make_plan(s.modules, s.history, with_workers(workers));
    const double opt = brute_force_optimum(costs, workers);
    const double bound = (4.0 / 3.0 - 1.0 / (3.0 * workers)) * opt;
    EXPECT_LE(plan.predicted_makespan_s, bound * (1 + 1e-12)) << "round " << round;
    EXPECT_LE(plan.lower_bound_s, opt * (1 + 1e-12)) << "round " << round;
    EXPECT_GE(plan.predicted_makespan_s, plan.lower_bound_s * (1 - 1e-12)) << "round " << round;
  }
}

TEST(LptPlan, PredictionNeverBelowLowerBoundOnRandomSuites) {
  for (unsigned seed = 100; seed < 140; ++seed) {
    std::exponential_distribution<double> dist(2.0);
    Suite s = random_suite(seed, 25, 20, dist, 0.05);
    for (int workers : {2, 4, 7}) {
      Plan plan = make_plan(s.modules, s.history, with_workers(workers));
      EXPECT_GE(plan.predicted_makespan_s, plan.lower_bound_s * (1 - 1e-12));
      // Each worker's planned share costs at most its LPT load; stealing at the end can only
      // lower the finish, never below the bound. An independent oracle: LPT by a linear scan.
      std::vector<double> costs, lpt(static_cast<std::size_t>(workers), 0.0),
          planned(static_cast<std::size_t>(workers), 0.0);
      for (const Batch& b : plan.batches) {
        ASSERT_GE(b.worker, 0);
        ASSERT_LT(b.worker, workers);
        planned[static_cast<std::size_t>(b.worker)] += b.cost_s;
        costs.push_back(b.cost_s);
      }
      std::stable_sort(costs.begin(), costs.end(), std::greater<>());
      for (double c : costs) *std::min_element(lpt.begin(), lpt.end()) += c;
      EXPECT_NEAR(*std::max_element(planned.begin(), planned.end()), *std::max_element(lpt.begin(), lpt.end()), 1e-9);
      EXPECT_LE(plan.predicted_makespan_s, *std::max_element(planned.begin(), planned.end()) + 1e-9);
    }
  }
}

TEST(LptPlan, PredictedMakespanOfAHandComputedSuite) {
  // LPT on 2 workers: 5 -> A(5), 4 -> B(4), 3 -> B(7), 3 -> A(8), 1 -> B(8): makespan 8.
  Suite s = flat_suite({3.0, 1.0, 5.0, 3.0, 4.0});
  PlanOptions opts = with_workers(2);
  opts.split_modules = false;
  Plan plan = make_plan(s.modules, s.history, opts);
  EXPECT_NEAR(plan.predicted_makespan_s, 8.0, 1e-9);
  EXPECT_NEAR(plan.total_s, 16.0, 1e-9);
  EXPECT_NEAR(plan.lower_bound_s, 8.0, 1e-9);  // max(16 / 2, 5)
  // FIFO keeps file order: 3 -> A(3), 1 -> B(1), 5 -> B(6), 3 -> A(6), 4 -> A|B(10).
  Plan fifo = make_plan(s.modules, s.history, with_workers(2, Schedule::fifo));
  EXPECT_NEAR(fifo.predicted_makespan_s, 10.0, 1e-9);
}

TEST(LptPlan, HeavyTailedSuiteWithinFivePercentOfLowerBound) {
  for (unsigned seed = 1; seed <= 100; ++seed) {
    Suite s = testing::heavy_tailed_suite(seed, 60, 30.4);
    for (int workers : {2, 3, 4}) {
      Plan plan = make_plan(s.modules, s.history, with_workers(workers));
      EXPECT_LE(plan.predicted_makespan_s, plan.lower_bound_s * 1.05) << "seed " << seed << " workers " << workers;
      expect_each_test_once(s, plan);
    }
  }
}

TEST(LptPlan, UnknownModulesAreOrderedByTheirEstimate) {
  Suite s = flat_suite({0.5, 3.0});
  s.modules.push_back({"new.py", {{"new.py::a"}, {"new.py::b"}, {"new.py::c"}, {"new.py::d"}}});
  PlanOptions opts = with_workers(2);
  opts.split_modules = false;
  Plan plan = make_plan(s.modules, s.history, opts);
  ASSERT_EQ(plan.batches.size(), 3u);
  // Four tests at the global mean (1.75) plus the prior overhead: longest, so LPT gives it
  // the first worker alone; the two known modules share the other, in collection order.
  EXPECT_EQ(plan.batches[2].module, "new.py");
  EXPECT_TRUE(plan.batches[2].estimated);
  EXPECT_FALSE(plan.batches[0].estimated);
  EXPECT_EQ(plan.batches[2].worker, 0);
  EXPECT_EQ(plan.batches[0].worker, 1);
  EXPECT_EQ(plan.batches[1].worker, 1);
}

TEST(LptPlan, SimulateMakespanGivesEachBatchToTheEarliestFreeWorker) {
  std::vector<Batch> batches(4);
  const double costs[] = {1.0, 4.0, 2.0, 2.0};
  for (std::size_t i = 0; i < 4; ++i) batches[i].cost_s = costs[i];
  EXPECT_DOUBLE_EQ(simulate_makespan(batches, 2), 5.0);  // 1, 4 | 1+2=3, 3+2=5
  EXPECT_DOUBLE_EQ(simulate_makespan(batches, 1), 9.0);
  EXPECT_DOUBLE_EQ(simulate_makespan(batches, 0), 9.0);
  EXPECT_DOUBLE_EQ(simulate_makespan({}, 3), 0.0);
}

TEST(LptPlan, SimulateMakespanStealsTheLastBatchOfTheBusiestWorker) {
  // w0 plans 4, 1, 1, 1; w1 plans 1. From 1 on, w1 steals w0's queued 1s, last first,
  // while w0 runs its 4: 4, against 7 with no stealing.
  std::vector<Batch> batches(5);
  const double costs[] = {4.0, 1.0, 1.0, 1.0, 1.0};
  const int workers[] = {0, 0, 0, 0, 1};
  for (std::size_t i = 0; i < 5; ++i) {
    batches[i].cost_s = costs[i];
    batches[i].worker = workers[i];
  }
  EXPECT_DOUBLE_EQ(simulate_makespan(batches, 2), 4.0);
  // An unplanned batch is taken before stealing: w1 runs it from 1, steals at 3; at 4 w0
  // takes its own next and w1 steals the last.
  batches.emplace_back().cost_s = 2.0;
  EXPECT_DOUBLE_EQ(simulate_makespan(batches, 2), 5.0);
  // A worker index past the workers counts as unplanned.
  batches[4].worker = 7;
  EXPECT_DOUBLE_EQ(simulate_makespan(batches, 2), 5.0);
}

TEST(LptPlan, EmptySelectionGivesAnEmptyPlan) {
  Plan plan = make_plan({}, History{}, with_workers(4));
  EXPECT_TRUE(plan.batches.empty());
  EXPECT_EQ(plan.predicted_makespan_s, 0.0);
  EXPECT_EQ(plan.lower_bound_s, 0.0);
}

}  // namespace
}  // namespace fastest::scheduler
