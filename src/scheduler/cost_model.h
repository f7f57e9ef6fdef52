#pragma once
// History grouped by static test id, and the per-test cost model built on it.

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scheduler/plan.h"

namespace fastest::scheduler {

/// The static node id a runtime id belongs to: "m.py::T::f[1-a]" -> "m.py::T::f".
/// The cut is the first '[' after the first "::", so a '[' in a file path is kept.
std::string_view static_id_of(std::string_view runtime_id);

/// History indexed once per plan: runtime ids summed per static id. Holds views into
/// `history`, which must outlive the index. Sums are kept in integer nanoseconds so the
/// result does not depend on the hash map's iteration order (every shard of a CI run
/// must compute bit-identical costs).
class CostIndex {
 public:
  explicit CostIndex(const History& history);

  /// Sum of recorded seconds over the static id's runtime ids; nullopt when none recorded.
  std::optional<double> known_seconds(std::string_view static_id) const;
  /// Mean seconds per known static test over the whole history; nullopt when empty.
  std::optional<double> global_mean() const { return m_global_mean; }
  /// Recorded import + module-fixture seconds for a module path; nullopt when unknown.
  std::optional<double> module_overhead(std::string_view module) const;

 private:
  const History* m_history;
  std::unordered_map<std::string_view, std::int64_t> m_ns_by_static;
  std::optional<double> m_global_mean;
};

/// Per-test costs of one module plus its overhead, with what was guessed.
struct ModuleCosts {
  std::vector<double> test_s;          ///< one per ModuleInput::tests entry, same order
  std::vector<bool> test_estimated;    ///< true where test_s[i] was not recorded
  double overhead_s = 0;               ///< import + module fixtures, paid once per batch
  bool overhead_estimated = false;
  double tests_total_s = 0;            ///< sum of test_s
  bool any_estimated() const;
};

/// Costs of one module's tests: recorded sums, else the module's mean over its known
/// tests, else the index's global mean, else opts.prior_test_s.
ModuleCosts estimate_module(const ModuleInput& module, const CostIndex& index, const PlanOptions& opts);

/// Same as estimate_costs(module, history, opts) without rebuilding the index: use this
/// when estimating many modules against one history.
std::vector<double> estimate_costs(const ModuleInput& module, const CostIndex& index, const PlanOptions& opts);

}  // namespace fastest::scheduler
