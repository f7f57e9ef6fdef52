#include "scheduler/order.h"

#include <algorithm>

namespace fastest::scheduler {

void reorder_batches(Plan& plan, const std::function<double(const Batch&)>& key, int workers) {
  std::vector<std::pair<double, Batch>> keyed;
  keyed.reserve(plan.batches.size());
  for (auto& b : plan.batches) keyed.emplace_back(key(b), std::move(b));
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  plan.batches.clear();
  for (auto& [k, b] : keyed) plan.batches.push_back(std::move(b));
  plan.predicted_makespan_s = simulate_makespan(plan.batches, workers);
}

}  // namespace fastest::scheduler
