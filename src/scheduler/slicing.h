#pragma once
// Internal helpers shared by the planner and the shard partitioner. Not part of the API.

#include <cstddef>
#include <span>
#include <vector>

#include "scheduler/cost_model.h"
#include "scheduler/plan.h"

namespace fastest::scheduler::detail {

/// A contiguous range [begin, end) of one module's tests; cost includes the overhead.
struct Unit {
  std::size_t module = 0;
  std::size_t begin = 0, end = 0;
  double cost_s = 0;
};

/// Every module's costs, plus prefix sums of its test costs for slicing.
struct Costed {
  std::vector<ModuleCosts> costs;
  std::vector<std::vector<double>> prefix;
  std::vector<char> whole;  ///< per module: never sliced (ModuleInput::grouped)
};

/// Estimates every module against one index.
Costed cost_all(std::span<const ModuleInput> modules, const CostIndex& index, const PlanOptions& opts);

/// One unit per module, covering all its tests.
std::vector<Unit> whole_modules(const Costed& c);

/// Prefix sums of a module's test costs: prefix[i] = sum of test_s[0, i).
std::vector<double> prefix_sums(std::span<const double> test_s);

/// Cuts [begin, end) into at most k contiguous slices minimising the largest slice sum.
/// Returns each slice's end index (the last is `end`). Needs begin < end and k >= 1.
std::vector<std::size_t> split_contiguous(std::span<const double> prefix, std::size_t begin, std::size_t end,
                                          std::size_t k);

/// Units for the slices given by `ends`, starting at `begin`.
std::vector<Unit> units_from_cuts(std::size_t module, std::span<const double> prefix, double overhead_s,
                                  std::size_t begin, std::span<const std::size_t> ends);

/// One unit as a Batch (select empty when it covers the whole module; slice 0 of 1).
Batch to_batch(const Unit& unit, const ModuleInput& input, const ModuleCosts& costs);

/// Indices of `batches` longest first, ties by module path, then slice.
std::vector<std::size_t> dispatch_order(std::span<const Batch> batches);

/// Dispatch order: longest first, ties by module path, then slice.
void sort_dispatch_order(std::vector<Batch>& batches);

/// Units as Batches (select empty for a whole module; slices numbered in test order),
/// longest first (ties by module path, then slice) or, when !longest_first, in input order.
std::vector<Batch> to_batches(std::vector<Unit> units, std::span<const ModuleInput> modules,
                              std::span<const ModuleCosts> costs, bool longest_first = true);

/// Orders longest first; ties by module path, then first test.
void sort_longest_first(std::vector<Unit>& units, std::span<const ModuleInput> modules);

/// LPT list-schedule makespan of `costs` (sorted here, longest first) on `workers`.
double lpt_makespan(std::vector<double> costs, int workers);

}  // namespace fastest::scheduler::detail
