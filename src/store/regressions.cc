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
struct Collected {
  std::vector<RunRow> runs;
  std::vector<std::string> envs;
  std::map<std::pair<std::int64_t, int>, Series> tests;   ///< (node, env)
  std::map<std::pair<std::string, int>, Series> modules;  ///< (file, env)
};

Collected collect(SQLite::Database& db) {
  std::unordered_map<std::int64_t, std::string> file_of;
  {
    SQLite::Statement q(db, "SELECT id, file FROM nodes");
    while (q.executeStep()) file_of.emplace(q.getColumn(0).getInt64(), q.getColumn(1).getString());
  }
  Collected c;
  std::map<std::string, int> env_ids;
  std::int64_t run = -1;
  std::map<std::string, double> module_sum;  // of the current run
  auto end_run = [&] {
    for (const auto& [file, sum] : module_sum) {
      Series& s = c.modules[{file, c.runs.back().env}];
      s.d.push_back(sum);
      s.run.push_back(c.runs.size() - 1);
    }
    module_sum.clear();
  };
  SQLite::Statement q(db, k_samples);
  while (q.executeStep()) {
    if (q.getColumn(0).getInt64() != run) {
      if (run >= 0) end_run();
      run = q.getColumn(0).getInt64();
      std::string env = "python " + q.getColumn(2).getString() + ", host " + q.getColumn(3).getString() + ", " +
                        std::to_string(q.getColumn(4).getInt()) + " workers";
      auto [it, added] = env_ids.emplace(env, static_cast<int>(c.envs.size()));
      if (added) c.envs.push_back(env);
      c.runs.push_back({q.getColumn(1).getString(), it->second});
    }
    auto s = column_seconds(q.getColumn(7)), k = column_seconds(q.getColumn(8)), t = column_seconds(q.getColumn(9));
    if (!s || !k || !t) continue;
    const double total = *s + *k + *t;
    const std::int64_t node = q.getColumn(5).getInt64();
    if (auto f = file_of.find(node); f != file_of.end()) module_sum[f->second] += total;
    const int outcome = q.getColumn(6).getInt();
    // Failures end early (or late, at a timeout): only passes measure the test's work.
    if (outcome != static_cast<int>(base::Outcome::passed) && outcome != static_cast<int>(base::Outcome::flaky))
      continue;
    Series& series = c.tests[{node, c.runs.back().env}];
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
    for (const auto& [key, series] : c.tests) {
      if (auto r = step_up(series, c, key.second, ratio)) {
        name.bind(1, key.first);
        if (name.executeStep()) r->name = name.getColumn(0).getString();
        name.reset();
        out.push_back(std::move(*r));
      }
    }
    for (const auto& [key, series] : c.modules) {
      if (auto r = step_up(series, c, key.second, ratio)) {
        r->name = key.first;
        r->module = true;
        out.push_back(std::move(*r));
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
