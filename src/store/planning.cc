// HistoryStore::planning_record: what `fastest plan` says about past predictions.
#include <algorithm>
#include <cmath>

#include "stats.h"
#include "store_impl.h"

namespace fastest::store {

base::Result<PlanningRecord> HistoryStore::planning_record(std::size_t count) const {
  try {
    SQLite::Statement q(*m_impl->db,
                        "SELECT ru.predicted_makespan_s, min(b.start_s), ru.actual_makespan_s, ru.cold_start "
                        "FROM runs ru JOIN batches b ON b.run = ru.id WHERE ru.ended_unix IS NOT NULL AND "
                        // Only runs that ran their plan: one interrupted (collection errors,
                        // Ctrl-C: exit 2) or refused ran a part of it, no test of the prediction.
                        "ru.exit_status IN (0, 1) AND ru.predicted_makespan_s > 0 GROUP BY ru.id ORDER BY "
                        "ru.started_unix DESC, ru.uuid DESC "
                        "LIMIT ?");
    q.bind(1, static_cast<std::int64_t>(std::min<std::size_t>(count, INT64_MAX)));
    std::vector<double> warm, cold, errors;
    while (q.executeStep()) {
      const double predicted = q.getColumn(0).getDouble();
      // The prediction is of the run's wall time (plan + expected start-up), as stored.
      auto first = column_seconds(q.getColumn(1)), wall = column_seconds(q.getColumn(2));
      if (!first || !wall || *wall <= 0) continue;
      const double actual = *wall;
      (q.getColumn(3).getInt() != 0 ? cold : warm).push_back(*first);
      errors.push_back(std::fabs(predicted - actual) / actual);
    }
    PlanningRecord r;
    r.runs = errors.size();
    if (r.runs == 0) return r;
    // A cold start (harness unpacked and compiled: 0.25-0.7 s) is not what the next,
    // warm run spends (0.05-0.15 s): the second run's prediction was biased by the first's.
    if (!warm.empty()) r.warm_startup_s = median(warm);
    if (!cold.empty()) r.cold_startup_s = median(cold);
    r.startup_s = r.warm_startup_s ? *r.warm_startup_s : *r.cold_startup_s;
    r.worst_error = *std::max_element(errors.begin(), errors.end());
    r.median_error = median(errors);
    return r;
  } catch (const std::exception& e) {
    return db_error("reading past predictions", e);
  }
}

}  // namespace fastest::store
