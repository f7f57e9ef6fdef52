#include "scheduler/slicing.h"

#include <algorithm>
#include <functional>
#include <queue>

namespace fastest::scheduler::detail {
namespace {

double range_sum(std::span<const double> prefix, std::size_t begin, std::size_t end) {
  return prefix[end] - prefix[begin];
}

// Greedy packing with a capacity: how many slices, and where they end.
std::vector<std::size_t> pack(std::span<const double> prefix, std::size_t begin, std::size_t end, double cap) {
  std::vector<std::size_t> ends;
  std::size_t start = begin;
  for (std::size_t i = begin + 1; i <= end; ++i) {
    if (i - 1 > start && range_sum(prefix, start, i) > cap) {
      ends.push_back(i - 1);
      start = i - 1;
    }
  }
  ends.push_back(end);
  return ends;
}

}  // namespace

Costed cost_all(std::span<const ModuleInput> modules, const CostIndex& index, const PlanOptions& opts) {
  Costed c;
  c.costs.reserve(modules.size());
  c.prefix.reserve(modules.size());
  for (const ModuleInput& m : modules) {
    c.costs.push_back(estimate_module(m, index, opts));
    c.prefix.push_back(prefix_sums(c.costs.back().test_s));
    c.whole.push_back(m.grouped);
  }
  return c;
}

std::vector<Unit> whole_modules(const Costed& c) {
  std::vector<Unit> units;
  units.reserve(c.costs.size());
  for (std::size_t i = 0; i < c.costs.size(); ++i)
    units.push_back(Unit{i, 0, c.costs[i].test_s.size(), c.costs[i].tests_total_s + c.costs[i].overhead_s});
  return units;
}

std::vector<double> prefix_sums(std::span<const double> test_s) {
  std::vector<double> prefix(test_s.size() + 1, 0.0);
  for (std::size_t i = 0; i < test_s.size(); ++i) prefix[i + 1] = prefix[i] + test_s[i];
  return prefix;
}

std::vector<std::size_t> split_contiguous(std::span<const double> prefix, std::size_t begin, std::size_t end,
                                          std::size_t k) {
  double lo = 0;
  for (std::size_t i = begin; i < end; ++i) lo = std::max(lo, range_sum(prefix, i, i + 1));
  double hi = range_sum(prefix, begin, end);
  if (k <= 1 || end - begin <= 1) return {end};
  // Bisection on the largest slice: 50 halvings reach double precision on any range we see.
  for (int iter = 0; iter < 50 && hi - lo > 1e-12 * hi; ++iter) {
    double mid = lo + (hi - lo) / 2;
    if (pack(prefix, begin, end, mid).size() <= k)
      hi = mid;
    else
      lo = mid;
  }
  return pack(prefix, begin, end, hi);
}

std::vector<Unit> units_from_cuts(std::size_t module, std::span<const double> prefix, double overhead_s,
                                  std::size_t begin, std::span<const std::size_t> ends) {
  std::vector<Unit> units;
  units.reserve(ends.size());
  for (std::size_t e : ends) {
    units.push_back(Unit{module, begin, e, range_sum(prefix, begin, e) + overhead_s});
    begin = e;
  }
  return units;
}

Batch to_batch(const Unit& unit, const ModuleInput& input, const ModuleCosts& costs) {
  Batch b;
  b.module = input.module;
  b.cost_s = unit.cost_s;
  b.pinned = input.grouped;
  b.estimated = costs.overhead_estimated;
  for (std::size_t i = unit.begin; i < unit.end; ++i) b.estimated = b.estimated || costs.test_estimated[i];
  if (unit.begin != 0 || unit.end != input.tests.size()) {
    b.select.reserve(unit.end - unit.begin);
    for (std::size_t i = unit.begin; i < unit.end; ++i) b.select.push_back(input.tests[i].node_id);
  }
  return b;
}

std::vector<std::size_t> dispatch_order(std::span<const Batch> batches) {
  std::vector<std::size_t> order(batches.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const Batch& a = batches[x];
    const Batch& b = batches[y];
    if (a.cost_s != b.cost_s) return a.cost_s > b.cost_s;
    if (a.module != b.module) return a.module < b.module;
    return a.slice < b.slice;
  });
  return order;
}

void sort_dispatch_order(std::vector<Batch>& batches) {
  // Sorted by index, then moved once: swapping 10,000 Batches (a string and two vectors
  // each) in the sort cost more than the rest of the plan's batching.
  std::vector<Batch> sorted;
  sorted.reserve(batches.size());
  for (std::size_t i : dispatch_order(batches)) sorted.push_back(std::move(batches[i]));
  batches = std::move(sorted);
}

std::vector<Batch> to_batches(std::vector<Unit> units, std::span<const ModuleInput> modules,
                              std::span<const ModuleCosts> costs, bool longest_first) {
  std::sort(units.begin(), units.end(), [](const Unit& a, const Unit& b) {
    return a.module != b.module ? a.module < b.module : a.begin < b.begin;
  });
  std::vector<Batch> batches;
  batches.reserve(units.size());
  for (std::size_t i = 0; i < units.size();) {
    std::size_t j = i;
    while (j < units.size() && units[j].module == units[i].module) ++j;
    for (std::size_t s = i; s < j; ++s) {
      batches.push_back(to_batch(units[s], modules[units[s].module], costs[units[s].module]));
      batches.back().slice = static_cast<int>(s - i);
      batches.back().slices = static_cast<int>(j - i);
    }
    i = j;
  }
  if (longest_first) sort_dispatch_order(batches);
  return batches;
}

void sort_longest_first(std::vector<Unit>& units, std::span<const ModuleInput> modules) {
  std::sort(units.begin(), units.end(), [&](const Unit& a, const Unit& b) {
    if (a.cost_s != b.cost_s) return a.cost_s > b.cost_s;
    if (a.module != b.module) {
      int c = modules[a.module].module.compare(modules[b.module].module);
      if (c != 0) return c < 0;
      return a.module < b.module;
    }
    return a.begin < b.begin;
  });
}

double lpt_makespan(std::vector<double> costs, int workers) {
  std::sort(costs.begin(), costs.end(), std::greater<>());
  std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
  for (int w = 0; w < std::max(workers, 1); ++w) free_at.push(0.0);
  double makespan = 0;
  for (double c : costs) {
    double end = free_at.top() + c;
    free_at.pop();
    free_at.push(end);
    makespan = std::max(makespan, end);
  }
  return makespan;
}

}  // namespace fastest::scheduler::detail
