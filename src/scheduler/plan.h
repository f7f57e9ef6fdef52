#pragma once
// Pure planning: costs in, Plan out. No I/O, no TBB, no SQLite.
// Also: scheduler/cost_model.h (CostIndex, per-module costs), scheduler/shard.h (CI shards).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fastest::scheduler {

enum class Schedule : int { history = 1, fifo = 2 };

/// One statically discovered test (a function, before runtime parametrize expansion).
struct TestInput {
  std::string node_id;      ///< "tests/test_x.py::TestA::test_b"
  bool deselected = false;  ///< surely deselected by -k/-m at runtime: it still goes to its batch, costs 0
};

/// One module as discovery found it, tests in file order.
struct ModuleInput {
  std::string module;  ///< rootdir-relative path, "tests/test_x.py"
  std::vector<TestInput> tests;
  /// Holds tests marked `xdist_group` under `--dist loadgroup`: every such module runs
  /// whole, on one worker, in collection order (pytest-xdist runs each group on one worker;
  /// one worker for all groups is stricter and needs no group names).
  bool grouped = false;
};

/// What the store remembers, keyed by runtime node id ("...::test_b[1-a]") or module path.
struct History {
  /// Robust estimate per runtime node id, each id once (store::History::test_seconds).
  std::vector<std::pair<std::string, double>> test_seconds;
  std::unordered_map<std::string, double> module_overhead;  ///< import + module fixtures, per module
};

struct PlanOptions {
  int workers = 1;
  Schedule schedule = Schedule::history;
  double prior_test_s = 0.005;     ///< estimate for a test nothing is known about
  double prior_overhead_s = 0.02;  ///< estimate for a module's import when unknown
  bool split_modules = true;       ///< slice a module that alone exceeds total/workers
};

/// A unit of work sent to one worker: one module, or a slice of one.
struct Batch {
  std::string module;
  std::vector<std::string> select;  ///< node-id prefixes to run; empty = the whole module
  double cost_s = 0;                ///< predicted seconds including module overhead
  bool estimated = false;           ///< true when any part of the cost was guessed
  int slice = 0, slices = 1;        ///< slice index when a module was split
  /// Node-id prefixes the worker runs before the batch's other tests (--ff, --nf), as
  /// pytest's cache plugin reorders items after collection. Empty = collection order.
  std::vector<std::string> first{};
  /// The worker planned to run it (Schedule::history: the LPT split, each worker's batches
  /// in collection order); -1 = whichever worker frees first (fifo, repeats).
  int worker = -1;
  /// ModuleInput::grouped: runs on `worker`, never moved to another (any schedule).
  bool pinned = false;
};

struct Plan {
  std::vector<Batch> batches;       ///< collection order (history: each carries its Batch::worker)
  double predicted_makespan_s = 0;  ///< simulate_makespan on `workers`
  double lower_bound_s = 0;         ///< max(total / workers, largest indivisible batch)
  double total_s = 0;               ///< sum of batch costs
};

/// Predicted seconds for each static test (sum over its runtime ids in history, else
/// estimated from siblings: same function's other params, module mean, global prior).
std::vector<double> estimate_costs(const ModuleInput& module, const History& history, const PlanOptions& opts);

/// Builds the plan for one machine. Deterministic: ties broken by module path / node id.
Plan make_plan(std::span<const ModuleInput> modules, const History& history, const PlanOptions& opts);

class CostIndex;  // scheduler/cost_model.h

/// make_plan with a prebuilt index of the history (see CostIndex): for callers that plan
/// several selections against one history (a CI shard: partition, then plan the share).
/// History: batches are split onto the workers longest first, each to the least-loaded
/// (LPT), and each worker runs its share in collection order, as pytest would run it: a
/// module that leaves global state behind only meets the modules pytest runs after it.
/// Modules with no history are costed by their sibling estimate like the rest (not put
/// first: issue 2's rule), which gives LPT its makespan bound; they carry Batch::estimated.
Plan make_plan(std::span<const ModuleInput> modules, const CostIndex& index, const PlanOptions& opts);

/// Simulates exec's dispatch of `batches` on `workers` workers (base::WorkQueues: own
/// batches in order, moves that even the finish, unplanned ones, stealing) and returns the
/// makespan. With no batch assigned (Batch::worker), list scheduling in the given order.
double simulate_makespan(std::span<const Batch> batches, int workers);

}  // namespace fastest::scheduler
