#pragma once
// One test session after discovery: plan, execute, record, report.

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/context.h"
#include "app/options.h"
#include "base/test_item.h"
#include "exec/executor.h"
#include "report/reporter.h"
#include "scheduler/plan.h"
#include "scheduler/shard.h"
#include "store/history_store.h"

namespace fastest::app {

/// The executor options for `workers` workers of the context's engine.
exec::ExecOptions make_exec_options(const RunContext& ctx, int workers, const std::filesystem::path& main_py);

/// One run over discovered modules. Its methods live in two files by pass:
/// session.cc selects and plans (shard, static collection, selects, the plan);
/// execute.cc runs the plan on workers, records results and reports (and the runtime
/// --collect-only, which also needs workers).
class Session {
 public:
  Session(const RunContext& ctx, store::HistoryStore& db, std::vector<scheduler::ModuleInput> modules,
          std::vector<base::CollectionError> errors, std::map<std::string, std::vector<std::string>> explicit_selects);

  /// --collect-only --static: discovery's node ids (no Python started), pytest -q style.
  ExitCode collect_static();
  /// --collect-only: the workers import every module and report the runtime ids
  /// (parametrize expanded, -k/-m applied), printed in collection order, pytest -q style.
  ExitCode collect_runtime(std::atomic<exec::Executor*>& slot);
  /// Plans, runs the batches on workers, records results as they arrive, reports.
  /// `slot` receives the executor while it runs so a signal handler can stop it.
  ExitCode execute(std::atomic<exec::Executor*>& slot, std::atomic<bool>& interrupted, const std::atomic<int>& signal);
  /// Runs the batches on these pre-started workers (owned by the caller) instead of
  /// starting its own.
  void use_pool(exec::Executor* pool) { m_pool = pool; }
  /// Duplicate arguments' extra collections (run.h Suite::repeats): each one more batch.
  void set_repeats(std::vector<ModuleRepeat> repeats) { m_repeats = std::move(repeats); }
  /// Suite::order: where the files that failed statically sit among the modules.
  void set_collection_order(std::vector<std::string> order) { m_order = std::move(order); }

 private:
  base::Result<scheduler::Plan> make_plan(std::string& schedule_name);
  /// --shard's (or the CI environment's) shard; nullopt when this job runs everything.
  base::Result<std::optional<scheduler::ShardSpec>> shard_spec() const;
  /// This job's modules: nullopt for all of m_modules (not copied), or --shard's (or the
  /// CI environment's) share; a module only partly included gets its test list in m_selects.
  base::Result<std::optional<std::vector<scheduler::ModuleInput>>> shard_modules(const scheduler::History& history,
                                                                                 const scheduler::PlanOptions& po,
                                                                                 std::string& schedule_name);
  /// --collect-only: keep only this job's share of the modules (--shard or CI environment).
  base::Status restrict_to_shard();
  void apply_selects(scheduler::Plan& plan) const;
  /// m_full_counts from m_modules, once, before the first pass that narrows m_modules.
  void count_full_modules();
  /// The repeats of this job's modules (`mine`: after --shard and --lf), as batches.
  std::vector<scheduler::Batch> repeat_batches(const std::vector<scheduler::ModuleInput>& mine) const;
  // session_cache.cc: pytest's cache options (--lf, --ff, --nf, --sw, --cache-clear) on history.
  /// The runtime ids whose last outcome was a failure; none with --cache-clear.
  std::vector<std::string> last_failures() const;
  /// How many runtime items these modules' static tests stand for (parametrized ids from history).
  std::size_t runtime_count(const std::vector<scheduler::ModuleInput>& modules) const;
  void apply_last_failed();
  void apply_stepwise();
  void order_by_cache(scheduler::Plan& plan, const scheduler::History& history, int workers);

  const RunContext& m_ctx;
  store::HistoryStore& m_db;
  std::vector<scheduler::ModuleInput> m_modules;
  std::vector<base::CollectionError> m_errors;
  std::map<std::string, std::vector<std::string>> m_selects;  ///< module -> node-id prefixes to run
  std::map<std::string, std::size_t> m_full_counts;           ///< module -> static tests discovered
  bool m_counted = false;                                     ///< m_full_counts taken (count_full_modules)
  std::size_t m_static_total = 0;
  std::vector<std::string> m_collection_lines;  ///< "run-last-failure: ...", "stepwise: ..."
  std::size_t m_deselected = 0;                 ///< static tests --sw skipped (pytest: deselected)
  exec::Executor* m_pool = nullptr;
  std::vector<ModuleRepeat> m_repeats;
  std::vector<std::string> m_order;
};

}  // namespace fastest::app
