#pragma once
// Entry points for embedders (the Python API in src/python_api): the CLI's passes handing
// back values instead of printing. run_context and RunHooks (app/run.h) run tests.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "app/context.h"
#include "app/options.h"
#include "base/result.h"
#include "base/test_item.h"
#include "report/reporter.h"
#include "scheduler/plan.h"
#include "store/history_store.h"

namespace fastest::app {

/// A reporter that passes every call on to `target` (owned by the caller), so an embedder's
/// reporter can sit among the run's own.
std::unique_ptr<report::Reporter> forward_to(report::Reporter& target);

/// What `fastest --collect-only --static` lists, as values.
struct StaticCollection {
  std::filesystem::path rootdir;
  std::vector<base::TestItem> items;          ///< pytest's collection order; node ids, -k and -m applied
  std::vector<base::CollectionError> errors;  ///< files that could not be collected
  std::vector<std::string> warnings;          ///< the store's (a corrupt cache file set aside, ...)
};
/// Static discovery (no Python started), the store as its cache. `ctx` from make_context
/// with collect_only and static_collect set (build_suite applies -k/-m then).
base::Result<StaticCollection> collect_static(const RunContext& ctx);

/// What `fastest plan` prints, as values.
struct PlanSummary {
  scheduler::Plan plan;
  std::size_t tests = 0;  ///< static tests planned
  std::size_t modules = 0;
  std::int64_t recorded_runs = 0;
  int workers = 1;
  scheduler::PlanOptions options;
  std::vector<scheduler::ModuleInput> suite;  ///< the discovered modules the plan covers
  scheduler::History history;                 ///< what the plan was made from
  std::vector<std::string> warnings;          ///< the store's
};
/// Discovers the suite and plans it on ctx.workers with the recorded history (`schedule`:
/// "fifo" or anything else for history), without running anything.
base::Result<PlanSummary> plan_suite(const RunContext& ctx, const std::string& schedule);

/// The history database `fastest stats` reads for these options (--db, --rootdir, paths):
/// an Error(usage) for `--db :memory:`.
base::Result<std::filesystem::path> project_db(const Options& opts);

/// History queries on an existing database file, each opening and closing it (nothing stays
/// open). A corrupt or foreign file is set aside as for a run: its reason goes to `warnings`.
base::Result<std::vector<store::TestStat>> slowest_tests(const std::filesystem::path& db, std::size_t top,
                                                         std::vector<std::string>& warnings);
base::Result<std::vector<store::TestStat>> flaky_tests(const std::filesystem::path& db, std::size_t top,
                                                       std::vector<std::string>& warnings);
base::Result<std::vector<store::RunSummary>> recent_runs(const std::filesystem::path& db, std::size_t count,
                                                         std::vector<std::string>& warnings);

}  // namespace fastest::app
