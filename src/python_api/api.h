#pragma once
// The extension module's C++ side: plain functions over src/app, no Python types, so each
// is one call into app (bindings.cc converts to and from Python).

#include <optional>
#include <string>
#include <vector>

#include "app/embed.h"
#include "base/result.h"
#include "base/test_item.h"
#include "scheduler/plan.h"
#include "store/history_store.h"

namespace fastest::python_api {

/// A statically discovered test as Python sees it: discovery's item and its absolute path.
struct Item {
  base::TestItem item;
  std::string path;     ///< absolute path of the module
  std::string rootdir;  ///< the run's rootdir (node ids are relative to it)
};

struct Discovered {
  std::string rootdir;
  std::vector<Item> items;
  std::vector<base::CollectionError> errors;
  std::vector<std::string> warnings;
};

/// What one run returns: its exit code and everything its event stream reported.
struct RunOutput {
  int exit_code = 0;
  bool interrupted = false;  ///< Ctrl-C stopped it (the run stopped cleanly first)
  std::vector<base::TestResult> results;
  std::vector<base::CollectionError> errors;
  std::vector<std::string> warnings;  ///< the store's (a corrupt or foreign file set aside, ...)
};

/// How the calling interpreter runs fastest: `python` is the workers' interpreter when
/// neither --python, FASTEST_PYTHON nor [tool.fastest] names one (the caller's own).
struct Caller {
  std::string python;
  bool catch_sigint = true;  ///< Ctrl-C stops the run cleanly (the CLI's first-signal stop)
};

/// The test command's argv (no program name) as the CLI parses it, then `fastest
/// --collect-only --static` as values. An Error(usage) for a bad command line.
base::Result<Discovered> discover(const std::vector<std::string>& argv, const Caller& caller);

/// `fastest ARGV...` exactly (terminal output included); pytest's exit code.
int run(const std::vector<std::string>& argv, const Caller& caller);

/// The run `fastest ARGV...` makes, its results handed back. `report`: also print the
/// terminal report. An Error(usage) for a bad command line (nothing ran).
base::Result<RunOutput> run_tests(const std::vector<std::string>& argv, bool report, const Caller& caller);

/// The history database for `db` / `rootdir` (either may be empty) as `fastest stats` finds it.
base::Result<std::string> project_db(const std::string& db, const std::string& rootdir);

/// `fastest plan -n WORKERS --schedule SCHEDULE [--rootdir ROOTDIR] [--db DB] PATHS...` as values.
base::Result<app::PlanSummary> plan(const std::string& db, const std::string& rootdir,
                                    const std::vector<std::string>& paths, int workers, const std::string& schedule);

}  // namespace fastest::python_api
