#pragma once
// History grouped by static test id, and the per-test cost model built on it.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "scheduler/plan.h"

namespace fastest::scheduler {

/// The static node id a runtime id belongs to: "m.py::T::f[1-a]" -> "m.py::T::f".
/// The cut is the first '[' after the first "::", so a '[' in a file path is kept.
std::string_view static_id_of(std::string_view runtime_id);

namespace detail {

/// Open-addressing map from a string to integer nanoseconds, keyed by a 64-bit hash only.
/// A node-based unordered_map spent most of the planner's time on cache misses with
/// 100,000 tests; 16-byte slots without the key cost one miss per operation. Two ids whose
/// 64-bit hashes collide (p ~ 1e-9 at 10^5 ids) would share one cost estimate, which can
/// only skew a prediction, never a test outcome.
class NanosByKey {
 public:
  explicit NanosByKey(std::size_t expected_keys);
  static std::uint64_t hash_of(std::string_view key);
  /// Starts loading the key's slot; add/find on it shortly after will not stall.
  void prefetch(std::uint64_t hash) const;
  /// Adds `ns` to the key's total, inserting it at 0 first.
  void add(std::uint64_t hash, std::int64_t ns);
  /// The key's total, nullopt when never added.
  std::optional<std::int64_t> find(std::uint64_t hash) const;
  std::size_t size() const { return m_size; }
  std::int64_t sum() const { return m_sum; }

 private:
  struct Slot {
    std::uint64_t hash = 0;  // 0 marks an empty slot; real hashes are remapped away from 0
    std::int64_t ns = 0;
  };
  std::size_t probe(std::uint64_t hash) const;
  std::vector<Slot> m_slots;
  std::size_t m_mask = 0;
  std::size_t m_size = 0;
  std::int64_t m_sum = 0;
};

}  // namespace detail

/// History indexed once per plan: runtime ids summed per static id, module overheads by
/// path (both keyed by 64-bit hash; the history need not outlive the index). Sums are kept
/// in integer nanoseconds so the result does not depend on the hash map's iteration order
/// (every shard of a CI run must compute bit-identical costs).
class CostIndex {
 public:
  explicit CostIndex(const History& history);

  /// Sum of recorded seconds over the static id's runtime ids; nullopt when none recorded.
  std::optional<double> known_seconds(std::string_view static_id) const;
  /// known_seconds for many tests at once (faster: the lookups overlap their cache
  /// misses). out[i] is -1 where nothing is recorded. out.size() == tests.size().
  void known_seconds(std::span<const TestInput> tests, std::span<double> out) const;
  /// Mean seconds per known static test over the whole history; nullopt when empty.
  std::optional<double> global_mean() const { return m_global_mean; }
  /// Recorded import + module-fixture seconds for a module path; nullopt when unknown.
  std::optional<double> module_overhead(std::string_view module) const;

 private:
  detail::NanosByKey m_ns_by_static;
  detail::NanosByKey m_overhead_ns;
  std::optional<double> m_global_mean;
};

/// Per-test costs of one module plus its overhead, with what was guessed.
struct ModuleCosts {
  std::vector<double> test_s;        ///< one per ModuleInput::tests entry, same order
  std::vector<bool> test_estimated;  ///< true where test_s[i] was not recorded
  double overhead_s = 0;             ///< import + module fixtures, paid once per batch
  bool overhead_estimated = false;
  double tests_total_s = 0;  ///< sum of test_s
  bool any_estimated() const;
};

/// Costs of one module's tests: recorded sums, else the module's mean over its known
/// tests, else the index's global mean, else opts.prior_test_s.
ModuleCosts estimate_module(const ModuleInput& module, const CostIndex& index, const PlanOptions& opts);

/// Same as estimate_costs(module, history, opts) without rebuilding the index: use this
/// when estimating many modules against one history.
std::vector<double> estimate_costs(const ModuleInput& module, const CostIndex& index, const PlanOptions& opts);

}  // namespace fastest::scheduler
