#include "scheduler/cost_model.h"

#include <algorithm>
#include <cmath>

namespace fastest::scheduler {
namespace {

// Per value cap: 10^6 s (11 days) keeps 9,000 capped values inside an int64 of ns.
constexpr double k_max_seconds = 1e6;

// Negative, NaN and absurd values come from a corrupt or foreign cache; they must not
// turn into schedule decisions, so they count as "not recorded".
std::optional<std::int64_t> to_ns(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(std::min(seconds, k_max_seconds) * 1e9));
}

double to_seconds(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace

std::string_view static_id_of(std::string_view runtime_id) {
  std::size_t sep = runtime_id.find("::");
  std::size_t bracket = runtime_id.find('[', sep == std::string_view::npos ? 0 : sep);
  return bracket == std::string_view::npos ? runtime_id : runtime_id.substr(0, bracket);
}

CostIndex::CostIndex(const History& history) : m_history(&history) {
  m_ns_by_static.reserve(history.test_seconds.size());
  for (const auto& [runtime_id, seconds] : history.test_seconds) {
    std::optional<std::int64_t> ns = to_ns(seconds);
    if (!ns) continue;
    m_ns_by_static[static_id_of(runtime_id)] += *ns;
  }
  if (m_ns_by_static.empty()) return;
  std::int64_t total = 0;
  for (const auto& entry : m_ns_by_static) total += entry.second;
  m_global_mean = to_seconds(total) / static_cast<double>(m_ns_by_static.size());
}

std::optional<double> CostIndex::known_seconds(std::string_view static_id) const {
  auto it = m_ns_by_static.find(static_id);
  if (it == m_ns_by_static.end()) return std::nullopt;
  return to_seconds(it->second);
}

std::optional<double> CostIndex::module_overhead(std::string_view module) const {
  if (m_history->module_overhead.empty()) return std::nullopt;
  // History is keyed by std::string; one temporary per module is cheap next to the tests.
  auto it = m_history->module_overhead.find(std::string(module));
  if (it == m_history->module_overhead.end()) return std::nullopt;
  std::optional<std::int64_t> ns = to_ns(it->second);
  if (!ns) return std::nullopt;
  return to_seconds(*ns);
}

bool ModuleCosts::any_estimated() const {
  return overhead_estimated || std::find(test_estimated.begin(), test_estimated.end(), true) != test_estimated.end();
}

ModuleCosts estimate_module(const ModuleInput& module, const CostIndex& index, const PlanOptions& opts) {
  ModuleCosts out;
  const std::size_t n = module.tests.size();
  out.test_s.assign(n, 0.0);
  out.test_estimated.assign(n, false);
  double known_sum = 0;
  std::size_t known_count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::optional<double> s = index.known_seconds(module.tests[i].node_id)) {
      out.test_s[i] = *s;
      known_sum += *s;
      ++known_count;
    } else {
      out.test_estimated[i] = true;
    }
  }
  if (known_count < n) {
    const double fallback = known_count > 0 ? known_sum / static_cast<double>(known_count)
                                            : index.global_mean().value_or(opts.prior_test_s);
    for (std::size_t i = 0; i < n; ++i)
      if (out.test_estimated[i]) out.test_s[i] = fallback;
  }
  for (double s : out.test_s) out.tests_total_s += s;
  std::optional<double> overhead = index.module_overhead(module.module);
  out.overhead_s = overhead.value_or(opts.prior_overhead_s);
  out.overhead_estimated = !overhead.has_value();
  return out;
}

std::vector<double> estimate_costs(const ModuleInput& module, const CostIndex& index, const PlanOptions& opts) {
  return estimate_module(module, index, opts).test_s;
}

std::vector<double> estimate_costs(const ModuleInput& module, const History& history, const PlanOptions& opts) {
  return estimate_costs(module, CostIndex(history), opts);
}

}  // namespace fastest::scheduler
