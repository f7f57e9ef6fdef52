#pragma once
// The composition root: discover -> load history -> plan -> execute -> record -> report.

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "app/context.h"
#include "app/options.h"
#include "base/result.h"
#include "discovery/discovery.h"
#include "report/reporter.h"
#include "scheduler/plan.h"
#include "store/history_store.h"

namespace fastest::app {

/// Runs the test session described by `opts`; returns pytest's exit code.
/// Prints errors itself; never throws.
ExitCode run_tests(const Options& opts);

/// What an embedder (the Python API, src/python_api) adds to a run; the defaults are the CLI's.
struct RunHooks {
  report::Reporter* observer = nullptr;  ///< fed the run's event stream after the run's own reporters (not owned)
  bool terminal = true;                  ///< false: no terminal reporter (the embedder reports from `observer`)
  /// Each store warning (a corrupt or foreign file set aside, a failed read), besides stderr.
  std::function<void(const std::string&)> on_store_warning{};
};

/// run_tests on a context the caller made (and checked) with make_context.
ExitCode run_context(RunContext& ctx, const RunHooks& hooks = {});

/// Forgets an earlier run's interrupt request: an embedder runs several sessions in one process.
void clear_interrupt();

/// Opens the run's store; an unusable file means a run without history (never a changed outcome).
base::Result<std::unique_ptr<store::HistoryStore>> open_store(const RunContext& ctx);
/// The environment whose recorded durations the planner prefers: this host and worker
/// count (the workers' Python version is only known once they run, so any matches).
store::Environment planning_environment(const RunContext& ctx);

/// Discovery with the store as its cache (changed files are written back). `keep_encoded`:
/// cached files' items may stay in the store's encoding (ParsedFile::encoded_items), for a
/// caller that only hands the result to build_suite, which reads node ids from it.
discovery::Discovery discover_pass(const RunContext& ctx, store::HistoryStore& db, bool keep_encoded = false);

/// True when two node ids name overlapping tests: equal, or one continues the other with
/// "::" (a class and its tests) or "[" (a function and its parametrizations). Used to apply
/// node-id arguments and --lf failures to static ids and to module slices.
bool node_ids_overlap(std::string_view a, std::string_view b);

/// True when `id` overlaps one of the node-id selections.
bool selected_by(std::string_view id, const std::vector<std::string>& selects);

/// Discovery's files turned into planner modules, collection errors and node-id selections.
struct Suite {
  std::vector<scheduler::ModuleInput> modules;  ///< pytest's collection order
  std::vector<base::CollectionError> errors;
  std::map<std::string, std::vector<std::string>> selects;  ///< module -> node ids given as arguments
  std::vector<ModuleRepeat> repeats;                        ///< duplicate arguments' extra collections
  std::vector<std::string> order;  ///< every walked file (modules and files that failed) in collection order
  std::set<std::string> unparsed;  ///< modules discovery could not parse, sent to a worker all the same
};
Suite build_suite(const RunContext& ctx, const discovery::Discovery& found);
/// The same, moving the node ids out of `found` instead of copying them.
Suite build_suite(const RunContext& ctx, discovery::Discovery&& found);

/// Asks a running session to stop (Ctrl-C / SIGTERM / SIGHUP: `signal` names it in the
/// summary). Async-signal-safe.
void request_interrupt(int signal);

}  // namespace fastest::app
