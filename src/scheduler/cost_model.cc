#include "scheduler/cost_model.h"

#include <algorithm>
#include <cmath>

// Header-only (inlined): the planner stays free of link dependencies.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "base/node_id.h"

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

std::string_view static_id_of(std::string_view runtime_id) { return base::split_params(runtime_id).first; }

namespace detail {

NanosByKey::NanosByKey(std::size_t expected_keys) {
  std::size_t capacity = 16;
  while (capacity < expected_keys + expected_keys / 2) capacity *= 2;  // load factor <= 2/3
  m_slots.resize(capacity);
  m_mask = capacity - 1;
}

std::uint64_t NanosByKey::hash_of(std::string_view key) {
  // XXH3: a third of std::hash's (murmur) instructions on 30-60 byte ids, 200,000 of them
  // per plan of 100,000 tests.
  std::uint64_t h = XXH3_64bits(key.data(), key.size());
  return h == 0 ? 1 : h;
}

std::size_t NanosByKey::probe(std::uint64_t hash) const {
  std::size_t i = static_cast<std::size_t>(hash) & m_mask;
  while (m_slots[i].hash != 0 && m_slots[i].hash != hash) i = (i + 1) & m_mask;
  return i;
}

void NanosByKey::prefetch(std::uint64_t hash) const {
  __builtin_prefetch(&m_slots[static_cast<std::size_t>(hash) & m_mask]);
}

void NanosByKey::add(std::uint64_t hash, std::int64_t ns) {
  Slot& slot = m_slots[probe(hash)];
  if (slot.hash == 0) {
    slot.hash = hash;
    ++m_size;
  }
  slot.ns += ns;
  m_sum += ns;
}

std::optional<std::int64_t> NanosByKey::find(std::uint64_t hash) const {
  const Slot& slot = m_slots[probe(hash)];
  if (slot.hash == 0) return std::nullopt;
  return slot.ns;
}

}  // namespace detail

CostIndex::CostIndex(const History& history)
    : m_ns_by_static(history.test_seconds.size()), m_overhead_ns(history.module_overhead.size()) {
  for (const auto& [module, seconds] : history.module_overhead)
    if (std::optional<std::int64_t> ns = to_ns(seconds)) m_overhead_ns.add(detail::NanosByKey::hash_of(module), *ns);
  // Hash and prefetch a window of keys before adding them, so slot misses overlap.
  constexpr std::size_t k_window = 16;
  std::pair<std::uint64_t, std::int64_t> pending[k_window];
  std::size_t count = 0;
  for (const auto& [runtime_id, seconds] : history.test_seconds) {
    std::optional<std::int64_t> ns = to_ns(seconds);
    if (!ns) continue;
    const std::uint64_t hash = detail::NanosByKey::hash_of(static_id_of(runtime_id));
    m_ns_by_static.prefetch(hash);
    pending[count++] = {hash, *ns};
    if (count == k_window) {
      for (const auto& [h, v] : pending) m_ns_by_static.add(h, v);
      count = 0;
    }
  }
  for (std::size_t i = 0; i < count; ++i) m_ns_by_static.add(pending[i].first, pending[i].second);
  if (m_ns_by_static.size() > 0)
    m_global_mean = to_seconds(m_ns_by_static.sum()) / static_cast<double>(m_ns_by_static.size());
}

std::optional<double> CostIndex::known_seconds(std::string_view static_id) const {
  std::optional<std::int64_t> ns = m_ns_by_static.find(detail::NanosByKey::hash_of(static_id));
  if (!ns) return std::nullopt;
  return to_seconds(*ns);
}

void CostIndex::known_seconds(std::span<const TestInput> tests, std::span<double> out) const {
  constexpr std::size_t k_window = 16;
  std::uint64_t hashes[k_window];
  for (std::size_t base = 0; base < tests.size(); base += k_window) {
    const std::size_t n = std::min(k_window, tests.size() - base);
    for (std::size_t i = 0; i < n; ++i) {
      hashes[i] = detail::NanosByKey::hash_of(tests[base + i].node_id);
      m_ns_by_static.prefetch(hashes[i]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      std::optional<std::int64_t> ns = m_ns_by_static.find(hashes[i]);
      out[base + i] = ns ? to_seconds(*ns) : -1.0;
    }
  }
}

std::optional<double> CostIndex::module_overhead(std::string_view module) const {
  // By hash, as the tests: the History's map would need a std::string key per lookup.
  if (m_overhead_ns.size() == 0) return std::nullopt;
  std::optional<std::int64_t> ns = m_overhead_ns.find(detail::NanosByKey::hash_of(module));
  if (!ns) return std::nullopt;
  return to_seconds(*ns);
}

bool ModuleCosts::any_estimated() const {
  return overhead_estimated || std::find(test_estimated.begin(), test_estimated.end(), true) != test_estimated.end();
}

ModuleCosts estimate_module(const ModuleInput& module, const CostIndex& index, const PlanOptions& opts) {
  ModuleCosts out;
  const std::size_t n = module.tests.size();
  out.test_s.resize(n);
  out.test_estimated.assign(n, false);
  double known_sum = 0;
  std::size_t known_count = 0;
  index.known_seconds(module.tests, out.test_s);
  for (std::size_t i = 0; i < n; ++i) {
    if (module.tests[i].deselected) {
      out.test_s[i] = 0;  // known: the worker deselects it at collection, whatever it cost when it ran
    } else if (out.test_s[i] >= 0) {
      known_sum += out.test_s[i];
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
