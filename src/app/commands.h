#pragma once
// The subcommands besides running tests: `fastest stats`, `fastest db ...`, `fastest plan`.

#include <string>
#include <vector>

#include "app/options.h"
#include "scheduler/cost_model.h"
#include "scheduler/plan.h"

namespace fastest::app {

struct StatsOptions {
  Options run;  ///< --db, --rootdir, paths: where the database is
  std::size_t top = 20;
  bool json = false;
  std::string html;          ///< write the HTML page here ("" = none)
  bool flaky = false;        ///< --flaky: flip rates over the kept runs instead of the overview
  bool regressions = false;  ///< --regressions: duration step-ups by commit
  double ratio = 1.5;        ///< --ratio: how much slower counts as a regression
};

struct DbOptions {
  std::string action;               ///< merge | export | check | prune
  std::vector<std::string> inputs;  ///< merge inputs / export-check target
  std::string output;               ///< merge -o / export destination
  std::string db;                   ///< --db for export/check/prune (default: the project's)
  int keep_runs = 30;               ///< prune --keep
  double max_age_days = 0;          ///< prune --max-age (0: no age limit)
};

struct PlanCommandOptions {
  Options run;     ///< paths, --db, -n, --schedule
  int shards = 0;  ///< --shards N (0 = just the local plan)
  /// --shards A..B / -n A..B: the what-if table, one line per shard or worker count (0 = none).
  int shards_from = 0, shards_to = 0;
  int workers_from = 0, workers_to = 0;
};

/// One row of `fastest plan --shards A..B` (shards > 0) or `-n A..B` (workers > 0).
struct WhatIfRow {
  int count = 0;                ///< shard count or worker count
  double predicted_wall_s = 0;  ///< the slowest shard (or the plan's makespan) + measured start-up
  double makespan_s = 0;        ///< slowest shard's predicted makespan / the plan's
  double share_s = 0;           ///< shards: balanced share; workers: the plan's lower bound
  std::string floor_by;         ///< workers: what sets the floor ("batch m.py", "total work / 4")
};

/// The what-if tables of `fastest plan`, from one index of the history (the CLI prints them;
/// bench/history_queries_bench times them on 30 runs of 100,000 tests).
std::vector<WhatIfRow> shard_rows(const std::vector<scheduler::ModuleInput>& modules, const scheduler::CostIndex& index,
                                  const scheduler::PlanOptions& po, int from, int to, double startup_s);
std::vector<WhatIfRow> worker_rows(const std::vector<scheduler::ModuleInput>& modules,
                                   const scheduler::CostIndex& index, scheduler::PlanOptions po, int from, int to,
                                   double startup_s);

ExitCode run_stats(const StatsOptions& opts);
ExitCode run_db(const DbOptions& opts);
ExitCode run_plan(const PlanCommandOptions& opts);

}  // namespace fastest::app
