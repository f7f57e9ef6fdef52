#pragma once
// `fastest stats`: the view model (filled by the app from the store) and its three
// renderings: terminal tables, JSON, and a self-contained HTML page (inline SVG).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fastest::report {

struct TestRow {
  std::string node_id;
  std::int64_t runs = 0;
  double estimate_s = 0, spread_s = 0;
  std::optional<double> last_s;
  double trend = 1;  ///< newer / older median; > 1 means getting slower
  std::string last_outcome;
  std::int64_t failures = 0, flips = 0;
  std::vector<double> recent;  ///< oldest first
};

struct ModuleRow {
  std::string file;
  std::int64_t tests = 0;
  double estimate_s = 0, overhead_s = 0, spread_s = 0, last_s = 0, trend = 1;
};

struct RunRow {
  std::int64_t id = 0;
  double started_unix = 0;
  int workers = 1;
  std::string schedule, shard;
  double predicted_s = 0, lower_bound_s = 0;
  std::optional<double> actual_s;  ///< nullopt when the run did not finish
  double work_s = 0, balance = 0;
  std::optional<int> exit_status;
  int passed = 0, failed = 0, errors = 0, skipped = 0;
};

struct SpanRow {
  int worker = 0;
  std::string module;
  double start_s = 0, end_s = 0;
  int tests = 0;
};

struct StatsModel {
  std::string db_path;
  std::vector<TestRow> slowest_tests;
  std::vector<ModuleRow> slowest_modules;
  std::vector<TestRow> flaky_tests;
  std::vector<RunRow> runs;       ///< newest first
  std::vector<SpanRow> timeline;  ///< of runs.front()
  double total_work_s = 0;        ///< sum of module estimates (one run's work, one worker)
  double largest_unit_s = 0;      ///< the longest indivisible piece (a test + its module overhead)
  std::string largest_unit;       ///< what it is
  int cores = 1;
};

/// Derived figures shown with the tables.
struct Floor {
  int workers = 1;
  double floor_s = 0;  ///< max(total / workers, largest unit)
  std::string set_by;  ///< human-readable reason
  int suggested_workers = 1;
};
Floor compute_floor(const StatsModel& m, int workers);

/// One row of `fastest stats --flaky` (filled from store::FlakyStat).
struct FlakyRow {
  std::string node_id;
  std::int64_t runs = 0, flips = 0, flaky = 0;
  double flip_rate = 0;
  std::string last_commit;  ///< "" when the run recorded none
};
std::string render_flaky_text(const std::vector<FlakyRow>& rows, std::size_t kept_runs);
std::string render_flaky_json(const std::vector<FlakyRow>& rows, std::size_t kept_runs);

/// One row of `fastest stats --regressions` (filled from store::Regression).
struct RegressionRow {
  std::string name;
  bool module = false;
  std::string env;
  double before_s = 0, after_s = 0;
  std::string commit;
  std::size_t runs_before = 0, runs_after = 0;
};
std::string render_regressions_text(const std::vector<RegressionRow>& rows, double ratio);
std::string render_regressions_json(const std::vector<RegressionRow>& rows, double ratio);

std::string render_stats_text(const StatsModel& m, int width = 100);
std::string render_stats_json(const StatsModel& m);
std::string render_stats_html(const StatsModel& m);

}  // namespace fastest::report
