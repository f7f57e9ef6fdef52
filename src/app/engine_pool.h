#pragma once
// The engine's fact gathering and the worker pre-start: workers boot (Python, harness,
// and for the pytest engine `import pytest` + configure) while discovery and planning run.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "app/context.h"
#include "app/engine.h"
#include "base/clock.h"
#include "base/result.h"
#include "discovery/discovery.h"
#include "exec/executor.h"

namespace fastest::app {

/// Facts for choose_engine: the options, PYTEST_* environment, the interpreter's
/// entry points (cached query) and the conftests' static facts.
EngineFacts gather_engine_facts(const RunContext& ctx, std::vector<ConftestUse> conftests);

/// The conftests' facts from discovery's static parse, in pytest's load order.
std::vector<ConftestUse> conftest_uses(const RunContext& ctx, const discovery::Discovery& found);

/// Tells discovery which plugins may collect files the python and doctest plugins leave
/// (ctx.discovery.plugin_collects_files, collecting_plugin; app/file_collectors.h), from
/// the cached entry-point query, `-p` and PYTEST_PLUGINS. Nothing under --engine native,
/// which runs no pytest_collect_file hook.
void note_file_collectors(RunContext& ctx);

/// The engine a run will most likely use, known before discovery: the forced one, else
/// the last choice for this rootdir and interpreter, else native.
std::string provisional_engine(const RunContext& ctx);
/// Stores this run's choice for the next run's provisional_engine.
void remember_engine(const RunContext& ctx, const std::string& engine);

/// Decides ctx.engine and ctx.engine_line from the facts; warns on stderr when
/// `--engine native` will not honour what the suite uses.
void settle_engine(RunContext& ctx, const discovery::Discovery& found);

/// Workers started before the plan exists.
struct WorkerPool {
  base::SteadyClock clock;
  std::unique_ptr<exec::Executor> executor;
  std::string engine;  ///< what `executor`'s workers were configured with
  double started_at = 0;
  /// The first start found the harness without bytecode (never imported: freshly unpacked,
  /// a new fastest build): the workers compile it, 0.2-0.6 s more than a warm start.
  bool cold_start = false;
  bool started = false;  ///< a start was made (cold_start is known)
};

/// Starts ctx.workers workers for ctx.engine unless `pool` already runs that engine; a
/// pool of another engine is stopped first. `slot` always points at the live executor
/// (signal handlers stop it).
base::Status prestart_workers(const RunContext& ctx, WorkerPool& pool, std::atomic<exec::Executor*>& slot);

/// `--markers` and `--fixtures`: the first listing a worker sends (at start-up for
/// --markers and the pytest engine's --fixtures; at shutdown, after the collect-only
/// `items`, for the native engine's --fixtures), printed once. No test runs.
ExitCode show_listing(exec::Executor& executor, std::vector<exec::WorkItem> items = {});

/// `--fixtures-per-test`: every module's collect-only batch (`items`, in pytest's
/// collection order, batch ids ascending) answers with its tests' fixture listings;
/// printed after the "collected N items" line in that order, whatever order the workers
/// finish in, then the collection errors (`static_errors` first). No test runs; exit 0
/// as pytest's (collection errors included).
ExitCode show_fixtures_per_test(exec::Executor& executor, std::vector<exec::WorkItem> items, int verbose,
                                const std::vector<base::CollectionError>& static_errors);

}  // namespace fastest::app
