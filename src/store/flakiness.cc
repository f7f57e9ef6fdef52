// HistoryStore::flakiness: flip rates over the kept runs, from results and attempts.
#include <algorithm>

#include <SQLiteCpp/Transaction.h>

#include "base/outcome.h"
#include "store_impl.h"

namespace fastest::store {
namespace {

/// Candidates are the few tests that ever flipped (test_stats.flips) or ever had a failed
/// attempt: for each, its kept results are primary-key lookups (run, node), run by run, so
/// the cost follows the flaky tests, not the size of the suite.
constexpr const char* k_candidates =
    "CREATE TEMP TABLE IF NOT EXISTS flaky_candidates (node INTEGER PRIMARY KEY);"
    "DELETE FROM temp.flaky_candidates;"
    "INSERT OR IGNORE INTO temp.flaky_candidates SELECT node FROM test_stats WHERE flips > 0;"
    "INSERT OR IGNORE INTO temp.flaky_candidates SELECT DISTINCT node FROM attempts";

constexpr const char* k_history =
    "SELECT c.node, n.node_id, r.outcome, ru.git_commit, ru.started_unix FROM temp.flaky_candidates c "
    "JOIN nodes n ON n.id = c.node CROSS JOIN runs ru CROSS JOIN results r ON r.run = ru.id AND r.node = c.node "
    "ORDER BY c.node, ru.started_unix, ru.uuid";

/// 1 pass, 2 fail, 3 flaky, 0 nothing to say (skips, unknown numbers).
int verdict_of(int outcome) {
  if (outcome < 1 || outcome > 9) return 0;
  const auto o = static_cast<base::Outcome>(outcome);
  if (o == base::Outcome::flaky) return 3;
  if (o == base::Outcome::skipped) return 0;
  return base::is_failure(o) ? 2 : 1;
}

struct Walk {
  FlakyStat stat;
  int last = 0;  ///< 1 pass, 2 fail
};

void step(Walk& w, int outcome, const std::string& commit, double started) {
  const int v = verdict_of(outcome);
  if (v == 0) return;
  ++w.stat.runs;
  const int as_pass_fail = v == 3 ? 1 : v;
  bool flipped = v == 3;
  if (v == 3) ++w.stat.flaky;
  if (w.last != 0 && w.last != as_pass_fail) {
    ++w.stat.flips;
    flipped = true;
  }
  w.last = as_pass_fail;
  if (flipped) {
    w.stat.last_commit = commit;
    w.stat.last_flip_unix = started;
  }
}

}  // namespace

base::Result<std::vector<FlakyStat>> HistoryStore::flakiness(std::size_t top, double min_rate) const {
  try {
    SQLite::Database& db = *m_impl->db;
    // Temp tables live in the connection's own temp schema: the history file is not written.
    db.exec(k_candidates);
    std::vector<FlakyStat> out;
    Walk w;
    std::int64_t node = -1;
    auto close = [&] {
      if (node < 0 || (w.stat.flips == 0 && w.stat.flaky == 0)) return;
      w.stat.flip_rate = w.stat.runs > 0 ? static_cast<double>(w.stat.flips + w.stat.flaky) / w.stat.runs : 0;
      if (w.stat.flip_rate >= min_rate) out.push_back(std::move(w.stat));
    };
    SQLite::Statement q(db, k_history);
    while (q.executeStep()) {
      const std::int64_t n = q.getColumn(0).getInt64();
      if (n != node) {
        close();
        w = Walk{};
        node = n;
        w.stat.node_id = q.getColumn(1).getString();
      }
      step(w, q.getColumn(2).getInt(), q.getColumn(3).getString(), q.getColumn(4).getDouble());
    }
    close();
    std::sort(out.begin(), out.end(), [](const FlakyStat& a, const FlakyStat& b) {
      if (a.flip_rate != b.flip_rate) return a.flip_rate > b.flip_rate;
      if (a.flaky != b.flaky) return a.flaky > b.flaky;
      return a.node_id < b.node_id;
    });
    if (out.size() > top) out.resize(top);
    return out;
  } catch (const std::exception& e) {
    return db_error("reading flakiness", e);
  }
}

std::int64_t HistoryStore::kept_runs() const {
  try {
    SQLite::Statement q(*m_impl->db,
                        "SELECT count(*) FROM runs ru WHERE EXISTS (SELECT 1 FROM results r WHERE r.run = ru.id)");
    return q.executeStep() ? q.getColumn(0).getInt64() : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace fastest::store
