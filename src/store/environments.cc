// HistoryStore::history(Environment): the planner's durations per environment (issue 10
// item 6), from the duration series kept at write time.
#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "stats.h"
#include "store_impl.h"

namespace fastest::store {
namespace {

bool matches(const Environment& want, const std::string& python, const std::string& host, int workers) {
  return (want.python_version.empty() || want.python_version == python) && (want.host.empty() || want.host == host) &&
         (want.workers <= 0 || want.workers == workers);
}

/// Kept runs by tag (runs.id modulo 65536): 1 matching, 2 another environment, 0 not kept.
struct RunKinds {
  std::vector<std::uint8_t> by_tag = std::vector<std::uint8_t>(1 << 16, 0);
  std::size_t same = 0, other = 0;
};

RunKinds run_kinds(SQLite::Database& db, const Environment& env) {
  RunKinds k;
  SQLite::Statement q(db,
                      "SELECT ru.id, ru.python_version, ru.host, ru.workers FROM runs ru "
                      "WHERE EXISTS (SELECT 1 FROM results r WHERE r.run = ru.id)");
  while (q.executeStep()) {
    const bool same = matches(env, q.getColumn(1).getString(), q.getColumn(2).getString(), q.getColumn(3).getInt());
    k.by_tag[static_cast<std::size_t>(q.getColumn(0).getInt64() & 0xffff)] = same ? 1 : 2;
    ++(same ? k.same : k.other);
  }
  return k;
}

/// Median of the last k_recent values of `v` (0 when empty).
double recent_median(std::vector<float>& v) {
  const std::size_t n = std::min(v.size(), k_recent);
  return n == 0 ? 0 : median(v.data() + (v.size() - n), n);
}

}  // namespace

History HistoryStore::history(const Environment& env) const {
  History h = history();
  try {
    SQLite::Database& db = *m_impl->db;
    const RunKinds k = run_kinds(db, env);
    // One environment (the usual case) or none like this one: nothing to prefer or scale.
    if (k.same == 0 || k.other == 0) return h;
    struct Pair {
      std::string node_id;
      double same = -1, other = -1;
    };
    std::vector<Pair> tests;
    std::vector<double> ratios;
    SQLite::Statement q(db, "SELECT n.node_id, s.samples FROM series s JOIN nodes n ON n.id = s.node");
    std::vector<float> same, other;
    while (q.executeStep()) {
      const SQLite::Column blob = q.getColumn(1);
      same.clear();
      other.clear();
      for (const Sample& x : decode_samples(blob.getBlob(), static_cast<std::size_t>(blob.getBytes()))) {
        if (const auto kind = k.by_tag[x.run_tag]; kind != 0) (kind == 1 ? same : other).push_back(x.seconds);
      }
      if (same.empty() && other.empty()) continue;
      Pair p{q.getColumn(0).getString(), same.empty() ? -1 : recent_median(same),
             other.empty() ? -1 : recent_median(other)};
      if (p.same > 0 && p.other > 0) ratios.push_back(p.same / p.other);
      tests.push_back(std::move(p));
    }
    const double ratio = ratios.empty() ? 1.0 : median(std::move(ratios));
    // Replace the all-environment estimates in place; a test only in the series is added.
    std::unordered_map<std::string_view, std::size_t> at;
    at.reserve(h.test_seconds.size());
    for (std::size_t i = 0; i < h.test_seconds.size(); ++i) at.emplace(h.test_seconds[i].first, i);
    std::vector<std::pair<std::string, double>> added;
    for (Pair& p : tests) {
      const double s = p.same >= 0 ? p.same : p.other * ratio;
      if (auto it = at.find(p.node_id); it != at.end())
        h.test_seconds[it->second].second = s;
      else
        added.emplace_back(std::move(p.node_id), s);
    }
    for (auto& a : added) h.test_seconds.push_back(std::move(a));
  } catch (const std::exception& e) {
    m_impl->warnings.push_back(std::string("reading per-environment history failed: ") + e.what());
  }
  return h;
}

}  // namespace fastest::store
