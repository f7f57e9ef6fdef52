// HistoryStore::regressions: duration step-ups by commit, per environment.
#include <algorithm>
#include <map>

#include "base/outcome.h"
#include "change_point.h"
#include "store_impl.h"

namespace fastest::store {
namespace {

/// The kept runs (those whose results are still there), in start order.
constexpr const char* k_kept_runs =
    "SELECT ru.id, ru.git_commit, ru.python_version, ru.host, ru.workers FROM runs ru "
    "WHERE EXISTS (SELECT 1 FROM results r WHERE r.run = ru.id) ORDER BY ru.started_unix, ru.uuid";

/// One row per test (series, schema 5, appended when results are recorded): the cost follows
/// the number of tests, not the number of results.
constexpr const char* k_series = "SELECT s.node, n.file, s.samples FROM series s JOIN nodes n ON n.id = s.node";

struct Series {
  std::vector<double> d;
  std::vector<std::size_t> run;  ///< index into the run list, per sample
};

struct RunRow {
  std::string commit;
  int env = 0;
};

struct KeptRuns {
  std::vector<RunRow> runs;
  std::vector<std::string> envs;
  std::vector<int> by_tag;  ///< run id modulo 65536 -> index into runs, -1 when not kept
};

KeptRuns read_kept_runs(SQLite::Database& db) {
  KeptRuns k;
  k.by_tag.assign(1 << 16, -1);
  std::map<std::string, int> env_ids;
  SQLite::Statement q(db, k_kept_runs);
  while (q.executeStep()) {
    std::string env = "python " + q.getColumn(2).getString() + ", host " + q.getColumn(3).getString() + ", " +
                      std::to_string(q.getColumn(4).getInt()) + " workers";
    auto [it, added] = env_ids.emplace(env, static_cast<int>(k.envs.size()));
    if (added) k.envs.push_back(env);
    k.by_tag[static_cast<std::size_t>(q.getColumn(0).getInt64() & 0xffff)] = static_cast<int>(k.runs.size());
    k.runs.push_back({q.getColumn(1).getString(), it->second});
  }
  return k;
}

std::optional<Regression> step_up(const Series& s, const KeptRuns& k, std::size_t env, double ratio);

/// Scans the series once: each test's passing samples are split by environment and tested
/// right away; every timed sample adds to its module's sum for its run (modules: [module]
/// x [run] sums, tested after the scan).
struct Scan {
  const KeptRuns& k;
  double ratio;
  std::vector<Regression> found;
  std::vector<std::pair<std::size_t, std::int64_t>> found_nodes;  ///< index in found -> nodes.id
  std::unordered_map<std::string, std::size_t> module_of;
  std::vector<std::string> modules;
  std::vector<double> module_sum;  ///< [module * runs + run]
  std::vector<Series> per_env;

  void test(std::int64_t node, const std::string& file, const std::vector<Sample>& samples) {
    const std::size_t runs = k.runs.size();
    auto [it, added] = module_of.emplace(file, modules.size());
    if (added) {
      modules.push_back(file);
      module_sum.resize(modules.size() * runs, 0);
    }
    per_env.resize(k.envs.size());
    for (Series& s : per_env) s.d.clear(), s.run.clear();
    for (const Sample& x : samples) {
      const int at = k.by_tag[x.run_tag];
      if (at < 0) continue;
      const auto pos = static_cast<std::size_t>(at);
      module_sum[it->second * runs + pos] += x.seconds > 0 ? x.seconds : 1e-12;
      // Failures end early (or late, at a timeout): only passes measure the test's work.
      if (!x.passed) continue;
      Series& s = per_env[static_cast<std::size_t>(k.runs[pos].env)];
      s.d.push_back(x.seconds);
      s.run.push_back(pos);
    }
    for (std::size_t env = 0; env < per_env.size(); ++env) {
      Series& s = per_env[env];
      if (!std::is_sorted(s.run.begin(), s.run.end())) sort_by_run(s);
      if (auto r = step_up(s, k, env, ratio)) {
        found_nodes.emplace_back(found.size(), node);
        found.push_back(std::move(*r));
      }
    }
  }

  static void sort_by_run(Series& s) {
    std::vector<std::size_t> order(s.d.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return s.run[a] < s.run[b]; });
    Series sorted;
    for (std::size_t i : order) sorted.d.push_back(s.d[i]), sorted.run.push_back(s.run[i]);
    s = std::move(sorted);
  }

  void modules_done() {
    const std::size_t runs = k.runs.size();
    for (std::size_t m = 0; m < modules.size(); ++m) {
      for (Series& s : per_env) s.d.clear(), s.run.clear();
      for (std::size_t pos = 0; pos < runs; ++pos) {
        if (module_sum[m * runs + pos] == 0) continue;
        Series& s = per_env[static_cast<std::size_t>(k.runs[pos].env)];
        s.d.push_back(module_sum[m * runs + pos]);
        s.run.push_back(pos);
      }
      for (std::size_t env = 0; env < per_env.size(); ++env) {
        if (auto r = step_up(per_env[env], k, env, ratio)) {
          r->name = modules[m];
          r->module = true;
          found.push_back(std::move(*r));
        }
      }
    }
  }
};

std::optional<Regression> step_up(const Series& s, const KeptRuns& k, std::size_t env, double ratio) {
  auto step = find_step_up(s.d, ratio);
  if (!step) return std::nullopt;
  Regression r;
  r.env = k.envs[env];
  r.before_s = step->before_s;
  r.after_s = step->after_s;
  r.commit = k.runs[s.run[step->at]].commit;
  r.runs_before = step->at;
  r.runs_after = s.d.size() - step->at;
  return r;
}

}  // namespace

base::Result<std::vector<Regression>> HistoryStore::regressions(double ratio) const {
  try {
    SQLite::Database& db = *m_impl->db;
    const KeptRuns k = read_kept_runs(db);
    Scan scan{k, ratio, {}, {}, {}, {}, {}, {}};
    if (!k.runs.empty()) {
      SQLite::Statement q(db, k_series);
      while (q.executeStep()) {
        const SQLite::Column blob = q.getColumn(2);
        scan.test(q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                  decode_samples(blob.getBlob(), static_cast<std::size_t>(blob.getBytes())));
      }
      scan.modules_done();
    }
    SQLite::Statement name(db, "SELECT node_id FROM nodes WHERE id = ?");
    for (const auto& [at, node] : scan.found_nodes) {
      name.reset();
      name.bind(1, node);
      if (name.executeStep()) scan.found[at].name = name.getColumn(0).getString();
    }
    std::vector<Regression> out = std::move(scan.found);
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
