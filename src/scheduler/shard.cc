#include "scheduler/shard.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "scheduler/slicing.h"

namespace fastest::scheduler {
namespace {

using detail::Costed;
using detail::Unit;

struct Assignment {
  std::vector<Unit> units;    // sorted longest first
  std::vector<int> shard_of;  // parallel to units
  std::vector<double> load;   // per shard
  int heaviest = 0;
  double max_load() const { return load[static_cast<std::size_t>(heaviest)]; }
};

// LPT: each unit, longest first, to the least-loaded shard (lowest index on ties).
Assignment assign(std::vector<Unit> units, std::span<const ModuleInput> modules, int count) {
  detail::sort_longest_first(units, modules);
  Assignment a;
  a.load.assign(static_cast<std::size_t>(count), 0.0);
  a.shard_of.reserve(units.size());
  for (const Unit& u : units) {
    auto lightest = std::min_element(a.load.begin(), a.load.end());
    *lightest += u.cost_s;
    a.shard_of.push_back(static_cast<int>(lightest - a.load.begin()));
  }
  a.heaviest = static_cast<int>(std::max_element(a.load.begin(), a.load.end()) - a.load.begin());
  a.units = std::move(units);
  return a;
}

// The largest unit of the heaviest shard that has at least two tests; npos if none.
std::size_t pick_split(const Assignment& a) {
  for (std::size_t i = 0; i < a.units.size(); ++i)
    if (a.shard_of[i] == a.heaviest && a.units[i].end - a.units[i].begin >= 2) return i;
  return std::numeric_limits<std::size_t>::max();
}

// The cut in (begin, end) whose first piece sums closest to `target` seconds.
std::size_t cut_near(const std::vector<double>& prefix, std::size_t begin, std::size_t end, double target) {
  const double want = prefix[begin] + target;
  auto it = std::lower_bound(prefix.begin() + static_cast<std::ptrdiff_t>(begin + 1),
                             prefix.begin() + static_cast<std::ptrdiff_t>(end), want);
  std::size_t cut = static_cast<std::size_t>(it - prefix.begin());
  if (cut > begin + 1 && want - prefix[cut - 1] <= prefix[std::min(cut, end)] - want) --cut;
  return std::min(cut, end - 1);
}

Assignment balance(const Costed& c, std::span<const ModuleInput> modules, int count, double share) {
  Assignment best = assign(detail::whole_modules(c), modules, count);
  Assignment current = best;
  const int max_splits = 8 * count + 32;
  for (int iter = 0; iter < max_splits && current.max_load() > share * (1 + k_shard_tolerance); ++iter) {
    const std::size_t at = pick_split(current);
    if (at == std::numeric_limits<std::size_t>::max()) break;
    const Unit u = current.units[at];
    const std::vector<double>& prefix = c.prefix[u.module];
    // Cut off roughly the heaviest shard's excess so LPT can move it to a light shard;
    // halve when the excess is larger than half the piece.
    const double tests_s = prefix[u.end] - prefix[u.begin];
    const double excess = current.max_load() - share;
    const std::size_t cut = cut_near(prefix, u.begin, u.end, tests_s - std::min(excess, tests_s / 2));
    const std::size_t ends[] = {cut, u.end};
    std::vector<Unit> next = std::move(current.units);
    next.erase(next.begin() + static_cast<std::ptrdiff_t>(at));
    for (const Unit& piece : detail::units_from_cuts(u.module, prefix, c.costs[u.module].overhead_s, u.begin, ends))
      next.push_back(piece);
    current = assign(std::move(next), modules, count);
    if (current.max_load() < best.max_load() * (1 - 1e-12)) best = current;
  }
  return best;
}

ShardPlan to_shard_plan(const Assignment& a, const Costed& c, std::span<const ModuleInput> modules,
                        const PlanOptions& opts, int count) {
  ShardPlan out;
  out.shards.resize(static_cast<std::size_t>(count));
  // Slices are numbered across the whole suite in test order ("slice 2 of 3" of a module).
  std::vector<std::size_t> order(a.units.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const Unit& ux = a.units[x];
    const Unit& uy = a.units[y];
    return ux.module != uy.module ? ux.module < uy.module : ux.begin < uy.begin;
  });
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && a.units[order[j]].module == a.units[order[i]].module) ++j;
    for (std::size_t s = i; s < j; ++s) {
      const Unit& u = a.units[order[s]];
      Batch b = detail::to_batch(u, modules[u.module], c.costs[u.module]);
      b.slice = static_cast<int>(s - i);
      b.slices = static_cast<int>(j - i);
      out.shards[static_cast<std::size_t>(a.shard_of[order[s]])].batches.push_back(std::move(b));
    }
    i = j;
  }
  for (Shard& s : out.shards) {
    detail::sort_dispatch_order(s.batches);
    for (const Batch& b : s.batches) s.work_s += b.cost_s;
    s.predicted_makespan_s = simulate_makespan(s.batches, opts.workers);
  }
  return out;
}

}  // namespace

ShardPlan partition_shards(std::span<const ModuleInput> modules, const History& history, const PlanOptions& opts,
                           int count) {
  return partition_shards(modules, CostIndex(history), opts, count);
}

ShardPlan partition_shards(std::span<const ModuleInput> modules, const CostIndex& index, const PlanOptions& opts,
                           int count) {
  count = std::max(count, 1);
  Costed c = detail::cost_all(modules, index, opts);
  double total = 0;
  for (const ModuleCosts& m : c.costs) total += m.tests_total_s + m.overhead_s;
  const double share = total / count;
  ShardPlan out = to_shard_plan(balance(c, modules, count, share), c, modules, opts, count);
  out.total_s = total;
  out.balanced_share_s = share;
  return out;
}

std::vector<ModuleInput> select_shard(std::span<const ModuleInput> modules, const Shard& shard) {
  std::unordered_set<std::string_view> whole;
  std::unordered_set<std::string_view> picked;
  for (const Batch& b : shard.batches) {
    if (b.select.empty()) whole.insert(b.module);
    for (const std::string& id : b.select) picked.insert(id);
  }
  std::vector<ModuleInput> out;
  for (const ModuleInput& m : modules) {
    if (whole.contains(m.module)) {
      out.push_back(m);
      continue;
    }
    ModuleInput part{m.module, {}};
    for (const TestInput& t : m.tests)
      if (picked.contains(t.node_id)) part.tests.push_back(t);
    if (!part.tests.empty()) out.push_back(std::move(part));
  }
  return out;
}

}  // namespace fastest::scheduler
