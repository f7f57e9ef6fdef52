#pragma once
// Random but seeded suites for the scheduler's property tests.

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "scheduler/plan.h"

namespace fastest::scheduler::testing {

struct Suite {
  std::vector<ModuleInput> modules;
  History history;
};

/// `module_count` modules of 1..max_tests tests; every test recorded, durations drawn
/// from `draw(rng)`; overhead recorded for every module.
template <class Draw>
Suite random_suite(unsigned seed, int module_count, int max_tests, Draw draw, double overhead = 0.01) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> tests(1, max_tests);
  Suite s;
  for (int m = 0; m < module_count; ++m) {
    ModuleInput mod{"tests/test_m" + std::to_string(m) + ".py", {}};
    const int n = tests(rng);
    for (int t = 0; t < n; ++t) {
      mod.tests.push_back({mod.module + "::test_" + std::to_string(t)});
      s.history.test_seconds.emplace_back(mod.tests.back().node_id, draw(rng));
    }
    s.history.module_overhead[mod.module] = overhead;
    s.modules.push_back(std::move(mod));
  }
  return s;
}

/// Heavy-tailed module totals (Pareto, alpha 1.2), scaled so the suite sums to `total_s`
/// including overheads, tests of a module of equal-ish size: the benchmark shape.
inline Suite heavy_tailed_suite(unsigned seed, int module_count, double total_s, double overhead = 0.05) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uniform_int_distribution<int> tests(3, 12);
  std::vector<double> weight(static_cast<std::size_t>(module_count));
  double sum = 0;
  for (double& w : weight) sum += (w = 1.0 / std::pow(1.0 - u(rng), 1.0 / 1.2));
  const double work = total_s - overhead * module_count;
  Suite s;
  for (int m = 0; m < module_count; ++m) {
    ModuleInput mod{"tests/test_h" + std::to_string(m) + ".py", {}};
    const int n = tests(rng);
    const double module_s = work * weight[static_cast<std::size_t>(m)] / sum;
    for (int t = 0; t < n; ++t) {
      mod.tests.push_back({mod.module + "::test_" + std::to_string(t)});
      s.history.test_seconds.emplace_back(mod.tests.back().node_id, module_s / n * (0.5 + u(rng)));
    }
    s.history.module_overhead[mod.module] = overhead;
    s.modules.push_back(std::move(mod));
  }
  return s;
}

}  // namespace fastest::scheduler::testing
