#include "scheduler/plan.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <queue>

#include "base/work_queues.h"
#include "scheduler/cost_model.h"
#include "scheduler/slicing.h"

namespace fastest::scheduler {
namespace {

using detail::Unit;

using detail::Costed;

// A split's predicted makespan gain per second of import work its extra slices add.
constexpr double k_split_gain_per_added_s = 0.25;

// max(total / workers, largest indivisible batch). Total counts each module's overhead
// once: no plan can do less work than that.
double lower_bound(const Costed& c, std::span<const ModuleInput> modules, int workers, bool can_split) {
  double total = 0, indivisible = 0, grouped = 0;
  for (std::size_t i = 0; i < c.costs.size(); ++i) {
    const ModuleCosts& m = c.costs[i];
    total += m.tests_total_s + m.overhead_s;
    if (modules[i].grouped) grouped += m.tests_total_s + m.overhead_s;
    double piece = m.tests_total_s;
    if (can_split && !modules[i].grouped && !m.test_s.empty())
      piece = *std::max_element(m.test_s.begin(), m.test_s.end());
    indivisible = std::max(indivisible, piece + m.overhead_s);
  }
  return std::max({total / std::max(workers, 1), indivisible, grouped});
}

std::vector<double> unit_costs(const std::vector<Unit>& units) {
  std::vector<double> out(units.size());
  for (std::size_t i = 0; i < units.size(); ++i) out[i] = units[i].cost_s;
  return out;
}

// Tries k = 2, 3, ... slices of unit `at` and keeps the k with the lowest simulated
// makespan, if that beats leaving it whole. Stops two steps after the slices first fit
// the balanced share: past that, more slices only add overhead.
void try_split(std::vector<Unit>& units, std::size_t at, const Costed& c, int workers) {
  const Unit whole = units[at];
  // Each slice pays the module's import again; until that cost has been measured, a
  // split is a guess that can easily lose (a heavy import), so the module stays whole.
  if (c.costs[whole.module].overhead_estimated || c.whole[whole.module]) return;
  const std::span<const double> prefix = c.prefix[whole.module];
  const double overhead = c.costs[whole.module].overhead_s;
  const std::size_t n = whole.end - whole.begin;
  std::vector<double> others = unit_costs(units);
  others.erase(others.begin() + static_cast<std::ptrdiff_t>(at));
  const double others_total = std::accumulate(others.begin(), others.end(), 0.0);

  const double whole_makespan = detail::lpt_makespan(unit_costs(units), workers);
  double best = whole_makespan;
  std::vector<Unit> best_slices;
  std::size_t last_count = 1, fit_at = 0;
  const std::size_t k_max = std::min<std::size_t>(n, static_cast<std::size_t>(workers));
  for (std::size_t k = 2; k <= k_max; ++k) {
    std::vector<std::size_t> ends = detail::split_contiguous(prefix, whole.begin, whole.end, k);
    if (ends.size() == last_count) continue;
    last_count = ends.size();
    std::vector<Unit> slices = detail::units_from_cuts(whole.module, prefix, overhead, whole.begin, ends);
    std::vector<double> trial = others;
    double largest = 0, sum = others_total;
    for (const Unit& u : slices) {
      trial.push_back(u.cost_s);
      largest = std::max(largest, u.cost_s);
      sum += u.cost_s;
    }
    const double makespan = detail::lpt_makespan(std::move(trial), workers);
    if (makespan < best * (1 - 1e-9)) {
      best = makespan;
      best_slices = std::move(slices);
    }
    if (fit_at == 0 && largest <= sum / workers) fit_at = k;
    if (fit_at != 0 && k >= fit_at + 2) break;
  }
  // Every slice imports and collects the module again, beside the other slices on cores
  // they share, and the recorded overhead also holds per-test costs (frames, transfer)
  // that a slice pays only in part: the extra imports are the least certain part of the
  // prediction. A split must gain at least a quarter of the import work it adds (the real
  // shape's 50,000-test module: 2% predicted for a second 15 s collection, 38% slower
  // measured); a cheap import still splits for packing.
  if (best_slices.empty()) return;
  const double added_s = overhead * static_cast<double>(best_slices.size() - 1);
  if (whole_makespan - best < k_split_gain_per_added_s * added_s) return;
  units.erase(units.begin() + static_cast<std::ptrdiff_t>(at));
  units.insert(units.end(), best_slices.begin(), best_slices.end());
}

// Splits, largest first, every module whose cost alone exceeds the balanced share.
void split_dominant(std::vector<Unit>& units, const Costed& c, int workers) {
  std::vector<std::size_t> order(units.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return units[a].cost_s > units[b].cost_s; });
  std::vector<std::size_t> candidates;
  double total = 0;
  for (const Unit& u : units) total += u.cost_s;
  for (std::size_t i : order) {
    if (units[i].cost_s <= total / workers) break;
    if (units[i].end - units[i].begin >= 2) candidates.push_back(units[i].module);
  }
  for (std::size_t module : candidates) {
    auto it = std::find_if(units.begin(), units.end(), [&](const Unit& u) { return u.module == module; });
    try_split(units, static_cast<std::size_t>(it - units.begin()), c, workers);
  }
}

// LPT can still leave one worker late when the largest whole modules do not pack well.
// Splitting one of them (each alone below the share) then evens the finish; try_split
// keeps a split only when the simulated makespan drops. Bounded: at most 16 candidates.
void split_for_packing(std::vector<Unit>& units, const Costed& c, int workers, double lower_bound_s) {
  constexpr std::size_t k_candidates = 16;
  std::vector<std::size_t> modules;
  {
    std::vector<Unit> by_cost = units;
    std::stable_sort(by_cost.begin(), by_cost.end(), [](const Unit& a, const Unit& b) { return a.cost_s > b.cost_s; });
    for (const Unit& u : by_cost) {
      if (modules.size() == k_candidates) break;
      const bool whole = u.begin == 0 && u.end == c.costs[u.module].test_s.size();
      if (whole && u.end - u.begin >= 2) modules.push_back(u.module);
    }
  }
  for (std::size_t module : modules) {
    if (detail::lpt_makespan(unit_costs(units), workers) <= lower_bound_s * 1.01) return;
    auto it = std::find_if(units.begin(), units.end(), [&](const Unit& u) { return u.module == module; });
    try_split(units, static_cast<std::size_t>(it - units.begin()), c, workers);
  }
}

// LPT's split: longest first (ties by module path, then slice), each batch to the
// least-loaded worker (lowest index on ties). Writes Batch::worker; the order is kept.
// Pinned batches (xdist_group) count as one unit, their sum, and all go to its worker.
void assign_workers(std::vector<Batch>& batches, int workers) {
  double pinned_s = 0;
  for (const Batch& b : batches)
    if (b.pinned) pinned_s += b.cost_s;
  bool pinned_placed = false;
  using Load = std::pair<double, int>;
  std::priority_queue<Load, std::vector<Load>, std::greater<>> load;
  for (int w = 0; w < workers; ++w) load.push({0.0, w});
  for (std::size_t i : detail::dispatch_order(batches)) {
    if (batches[i].pinned && pinned_placed) continue;
    auto [at, w] = load.top();
    load.pop();
    if (batches[i].pinned) {
      for (Batch& b : batches)
        if (b.pinned) b.worker = w;
      pinned_placed = true;
      load.push({at + pinned_s, w});
      continue;
    }
    batches[i].worker = w;
    load.push({at + batches[i].cost_s, w});
  }
}

}  // namespace

double simulate_makespan(std::span<const Batch> batches, int workers) {
  workers = std::max(workers, 1);
  base::WorkQueues queues(workers);
  for (std::size_t i = 0; i < batches.size(); ++i)
    queues.add(i, batches[i].worker, batches[i].cost_s, batches[i].pinned);
  using Free = std::pair<double, int>;
  std::priority_queue<Free, std::vector<Free>, std::greater<>> free_at;
  for (int w = 0; w < workers; ++w) free_at.push({0.0, w});
  double makespan = 0;
  while (!free_at.empty()) {
    auto [at, w] = free_at.top();
    free_at.pop();
    if (auto i = queues.take(w, at)) {
      free_at.push({at + batches[*i].cost_s, w});
    } else {
      makespan = std::max(makespan, at);  // nothing left: this worker is done
    }
  }
  return makespan;
}

Plan make_plan(std::span<const ModuleInput> modules, const History& history, const PlanOptions& opts) {
  return make_plan(modules, CostIndex(history), opts);
}

Plan make_plan(std::span<const ModuleInput> modules, const CostIndex& index, const PlanOptions& opts) {
  const int workers = std::max(opts.workers, 1);
  const bool history_order = opts.schedule == Schedule::history;
  const bool can_split = history_order && opts.split_modules && workers > 1;
  Costed c = detail::cost_all(modules, index, opts);
  std::vector<Unit> units = detail::whole_modules(c);
  Plan plan;
  plan.lower_bound_s = lower_bound(c, modules, workers, can_split);
  if (can_split) {
    split_dominant(units, c, workers);
    split_for_packing(units, c, workers, plan.lower_bound_s);
  }

  // Collection order; under history each batch then gets its worker.
  plan.batches = detail::to_batches(std::move(units), modules, c.costs, /*longest_first=*/false);
  if (history_order) {
    assign_workers(plan.batches, workers);
  } else {
    for (Batch& b : plan.batches)
      if (b.pinned) b.worker = 0;  // fifo: the grouped modules on one worker, the rest shared
  }
  for (const Batch& b : plan.batches) plan.total_s += b.cost_s;
  plan.predicted_makespan_s = simulate_makespan(plan.batches, workers);
  return plan;
}

}  // namespace fastest::scheduler
