#include "scheduler/cost_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace fastest::scheduler {
namespace {

ModuleInput module_of(std::string path, std::vector<std::string> names) {
  ModuleInput m{path, {}};
  for (const std::string& n : names) m.tests.push_back({path + "::" + n});
  return m;
}

TEST(PlanCostModel, StaticIdOfCutsParametrizeSuffixOnly) {
  EXPECT_EQ(static_id_of("t.py::f[1-a]"), "t.py::f");
  EXPECT_EQ(static_id_of("t.py::T::f[x[0]]"), "t.py::T::f");
  EXPECT_EQ(static_id_of("t.py::f"), "t.py::f");
  EXPECT_EQ(static_id_of("a[1]/t.py::f[2]"), "a[1]/t.py::f");
}

TEST(PlanCostModel, SumsEveryRuntimeVariantOfAStaticTest) {
  History h;
  h.test_seconds = {
      {"t.py::f[1]", 1.0}, {"t.py::f[2]", 2.0}, {"t.py::f", 0.5}, {"t.py::fg", 10.0}, {"t.py::f_x[1]", 7.0}};
  std::vector<double> c = estimate_costs(module_of("t.py", {"f", "fg", "f_x"}), h, PlanOptions{});
  ASSERT_EQ(c.size(), 3u);
  EXPECT_DOUBLE_EQ(c[0], 3.5);
  EXPECT_DOUBLE_EQ(c[1], 10.0);
  EXPECT_DOUBLE_EQ(c[2], 7.0);
}

TEST(PlanCostModel, UnseenTestTakesTheMeanOfItsModulesKnownTests) {
  History h;
  h.test_seconds = {{"t.py::a[1]", 1.0}, {"t.py::a[2]", 1.0}, {"t.py::b", 4.0}, {"u.py::z", 100.0}};
  std::vector<double> c = estimate_costs(module_of("t.py", {"a", "b", "new"}), h, PlanOptions{});
  EXPECT_DOUBLE_EQ(c[2], 3.0);  // mean of a (2.0) and b (4.0), not of runtime ids
}

TEST(PlanCostModel, UnseenModuleTakesTheGlobalMeanOfKnownTests) {
  History h;
  h.test_seconds = {{"t.py::a[1]", 1.0}, {"t.py::a[2]", 1.0}, {"u.py::b", 4.0}};
  std::vector<double> c = estimate_costs(module_of("new.py", {"x", "y"}), h, PlanOptions{});
  EXPECT_DOUBLE_EQ(c[0], 3.0);
  EXPECT_DOUBLE_EQ(c[1], 3.0);
}

TEST(PlanCostModel, ATestSurelyDeselectedCostsNothingAndLeavesTheMeanAlone) {
  History h;
  h.test_seconds = {{"t.py::a", 1.0}, {"t.py::stress", 30.0}};
  ModuleInput m = module_of("t.py", {"a", "stress", "new", "new_stress"});
  m.tests[1].deselected = m.tests[3].deselected = true;
  ModuleCosts c = estimate_module(m, CostIndex(h), PlanOptions{});
  EXPECT_DOUBLE_EQ(c.test_s[0], 1.0);
  EXPECT_DOUBLE_EQ(c.test_s[1], 0.0);  // its history is what it cost when it ran
  EXPECT_DOUBLE_EQ(c.test_s[2], 1.0);  // the mean of the tests that will run
  EXPECT_DOUBLE_EQ(c.test_s[3], 0.0);
  EXPECT_FALSE(c.test_estimated[3]);
  EXPECT_DOUBLE_EQ(c.tests_total_s, 2.0);
}

TEST(PlanCostModel, EmptyHistoryUsesThePriors) {
  PlanOptions opts;
  opts.prior_test_s = 0.25;
  opts.prior_overhead_s = 0.5;
  ModuleCosts c = estimate_module(module_of("t.py", {"a", "b"}), CostIndex(History{}), opts);
  EXPECT_DOUBLE_EQ(c.test_s[0], 0.25);
  EXPECT_DOUBLE_EQ(c.tests_total_s, 0.5);
  EXPECT_DOUBLE_EQ(c.overhead_s, 0.5);
  EXPECT_TRUE(c.overhead_estimated);
  EXPECT_TRUE(c.any_estimated());
}

TEST(PlanCostModel, RecordedOverheadIsUsedAndNotEstimated) {
  History h;
  h.test_seconds = {{"t.py::a", 1.0}};
  h.module_overhead = {{"t.py", 0.3}};
  ModuleCosts c = estimate_module(module_of("t.py", {"a"}), CostIndex(h), PlanOptions{});
  EXPECT_DOUBLE_EQ(c.overhead_s, 0.3);
  EXPECT_FALSE(c.any_estimated());
}

TEST(PlanCostModel, NegativeAndNaNDurationsCountAsUnrecorded) {
  History h;
  h.test_seconds = {{"t.py::a", -1.0}, {"t.py::b", std::numeric_limits<double>::quiet_NaN()}, {"t.py::c", 2.0}};
  h.module_overhead = {{"t.py", std::numeric_limits<double>::infinity()}};
  PlanOptions opts;
  ModuleCosts c = estimate_module(module_of("t.py", {"a", "b", "c"}), CostIndex(h), opts);
  EXPECT_DOUBLE_EQ(c.test_s[0], 2.0);
  EXPECT_DOUBLE_EQ(c.test_s[1], 2.0);
  EXPECT_TRUE(c.test_estimated[0]);
  EXPECT_DOUBLE_EQ(c.overhead_s, opts.prior_overhead_s);
}

}  // namespace
}  // namespace fastest::scheduler
