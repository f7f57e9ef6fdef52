// HistoryStore::regressions: duration step-ups by commit, per environment.
#include <algorithm>
#include <map>

#include "base/outcome.h"
#include "change_point.h"
#include "store_impl.h"

namespace fastest::store {
namespace {

/// Runs in start order, each run's results in node order (its primary key): no sort.
constexpr const char* k_samples =
    "SELECT ru.id, ru.git_commit, ru.python_version, ru.host, ru.workers, r.node, r.outcome, r.setup_s, r.call_s, "
    "r.teardown_s FROM runs ru JOIN results r ON r.run = ru.id ORDER BY ru.started_unix, ru.uuid, r.node";

struct Series {
  std::vector<double> d;
  std::vector<std::size_t> run;  ///< index into the run list, per sample
};

struct RunRow {
  std::string commit;
  int env = 0;
};

/// Durations of one run's passing tests and of its modules (sums over all timed tests).
/// Series are indexed by (node or module index) x environment in flat vectors: one scan of
/// results, no per-row map lookups by text.
struct Collected {
  std::vector<RunRow> runs;
  std::vector<std::string> envs;
  std::vector<std::string> modules;                ///< module index -> path
  std::vector<std::int64_t> node_ids;              ///< node index -> nodes.id
  std::vector<std::vector<Series>> tests;          ///< [env][node index]
  std::vector<std::vector<Series>> module_series;  ///< [env][module index]
};

Collected collect(SQLite::Database& db) {
  Collected c;
  std::unordered_map<std::int64_t, std::pair<std::size_t, std::size_t>> index;  // nodes.id -> (node, module)
  {
    std::unordered_map<std::string, std::size_t> module_of;
    SQLite::Statement q(db, "SELECT id, file FROM nodes");
    while (q.executeStep()) {
      auto [it, added] = module_of.emplace(q.getColumn(1).getString(), c.modules.size());
      if (added) c.modules.push_back(it->first);
      index.emplace(q.getColumn(0).getInt64(), std::make_pair(c.node_ids.size(), it->second));
      c.node_ids.push_back(q.getColumn(0).getInt64());
    }
  }
  std::map<std::string, int> env_ids;
  std::int64_t run = -1;
  std::vector<double> module_sum(c.modules.size(), 0);
  std::vector<std::size_t> touched;
  auto end_run = [&] {
    auto& series = c.module_series[static_cast<std::size_t>(c.runs.back().env)];
    for (std::size_t m : touched) {
      series[m].d.push_back(module_sum[m]);
      series[m].run.push_back(c.runs.size() - 1);
      module_sum[m] = 0;
    }
    touched.clear();
  };
  SQLite::Statement q(db, k_samples);
  std::vector<Series>* tests = nullptr;
  while (q.executeStep()) {
    if (q.getColumn(0).getInt64() != run) {
      if (run >= 0) end_run();
      run = q.getColumn(0).getInt64();
      std::string env = "python " + q.getColumn(2).getString() + ", host " + q.getColumn(3).getString() + ", " +
                        std::to_string(q.getColumn(4).getInt()) + " workers";
      auto [it, added] = env_ids.emplace(env, static_cast<int>(c.envs.size()));
      if (added) {
        c.envs.push_back(env);
        c.tests.emplace_back(c.node_ids.size());
        c.module_series.emplace_back(c.modules.size());
      }
      c.runs.push_back({q.getColumn(1).getString(), it->second});
      tests = &c.tests[static_cast<std::size_t>(it->second)];
    }
    auto s = column_seconds(q.getColumn(7)), k = column_seconds(q.getColumn(8)), t = column_seconds(q.getColumn(9));
    if (!s || !k || !t) continue;
    auto at = index.find(q.getColumn(5).getInt64());
    if (at == index.end()) continue;
    const double total = *s + *k + *t;
    const auto [node, module] = at->second;
    if (module_sum[module] == 0) touched.push_back(module);
    module_sum[module] += total > 0 ? total : 1e-12;
    const int outcome = q.getColumn(6).getInt();
    // Failures end early (or late, at a timeout): only passes measure the test's work.
    if (outcome != static_cast<int>(base::Outcome::passed) && outcome != static_cast<int>(base::Outcome::flaky))
      continue;
    Series& series = (*tests)[node];
    series.d.push_back(total);
    series.run.push_back(c.runs.size() - 1);
  }
  if (run >= 0) end_run();
  return c;
}

std::optional<Regression> step_up(const Series& s, const Collected& c, int env, double ratio) {
  auto step = find_step_up(s.d, ratio);
  if (!step) return std::nullopt;
  Regression r;
  r.env = c.envs[static_cast<std::size_t>(env)];
  r.before_s = step->before_s;
  r.after_s = step->after_s;
  r.commit = c.runs[s.run[step->at]].commit;
  r.runs_before = step->at;
  r.runs_after = s.d.size() - step->at;
  return r;
}

}  // namespace

base::Result<std::vector<Regression>> HistoryStore::regressions(double ratio) const {
  try {
    SQLite::Database& db = *m_impl->db;
    const Collected c = collect(db);
    std::vector<Regression> out;
    SQLite::Statement name(db, "SELECT node_id FROM nodes WHERE id = ?");
    for (std::size_t env = 0; env < c.envs.size(); ++env) {
      for (std::size_t i = 0; i < c.tests[env].size(); ++i) {
        if (auto r = step_up(c.tests[env][i], c, static_cast<int>(env), ratio)) {
          name.bind(1, c.node_ids[i]);
          if (name.executeStep()) r->name = name.getColumn(0).getString();
          name.reset();
          out.push_back(std::move(*r));
        }
      }
      for (std::size_t m = 0; m < c.module_series[env].size(); ++m) {
        if (auto r = step_up(c.module_series[env][m], c, static_cast<int>(env), ratio)) {
          r->name = c.modules[m];
          r->module = true;
          out.push_back(std::move(*r));
        }
      }
    }
    std::sort(out.begin(), out.end(), [](const Regression& a, const Regression& b) {
      if (a.module != b.module) return !a.module;
      const double ra = a.after_s / std::max(a.before_s, 1e-9), rb = b.after_s / std::max(b.before_s, 1e-9);
      if (ra != rb) return ra > rb;
      return a.name < b.name;
    });
    return out;
  } catch (const std::exception& e) {
    return db_error("reading duration history", e);
  }
}

}  // namespace fastest::store
