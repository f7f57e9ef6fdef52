#pragma once
// Resolution of everything a run needs before discovery: rootdir, ini values, paths,
// interpreter, database location, worker count.

#include <filesystem>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/options.h"
#include "base/result.h"
#include "discovery/discovery.h"

namespace fastest::report {
class Reporter;
}

namespace fastest::app {

/// One more collection of a module than its first, as pytest gives for duplicate
/// arguments (`t.py::test_a t.py` runs test_a twice): the whole module (empty `select`),
/// or the tests node-id arguments named.
struct ModuleRepeat {
  std::string module;
  std::vector<std::string> select;
};

struct RunContext {
  Options opts;
  IniConfig ini;
  std::filesystem::path invocation_dir;
  discovery::Config discovery;
  /// Node-id selections from args like "tests/test_x.py::test_a" (rootdir-relative).
  std::vector<std::string> node_selects;
  /// Path arguments without "::" (testpaths included), rootdir-relative ("" = the rootdir),
  /// one entry per argument in order, repeats kept: pytest collects a file argument afresh
  /// each time it is given (`Suite::repeats`).
  std::vector<std::string> file_args, dir_args;
  bool keep_duplicates = false;      ///< --keep-duplicates: a directory walk does not skip files collected before
  std::string python;                ///< resolved interpreter (absolute path or PATH name)
  std::filesystem::path db_path;     ///< empty = in-memory store
  std::filesystem::path cache_root;  ///< harness, assertion-rewrite cache, fallback DBs
  int workers = 1;
  std::vector<std::string> notes;        ///< informational lines for the terminal
  std::string engine = "native";         ///< what the workers run: native | pytest (app/engine.h)
  std::string engine_line;               ///< header line saying which engine and why
  report::Reporter* observer = nullptr;  ///< an embedder's reporter (app/run.h RunHooks), not owned
  bool terminal = true;                  ///< false: no terminal reporter (RunHooks)
  /// The workers started cold: the harness had never been imported (WorkerPool::cold_start).
  bool cold_start = false;
};

/// Builds the context; bad flags/config are Error(usage) with a pytest-like message.
/// `need_python` = false for commands that only read the store (no interpreter lookup).
base::Result<RunContext> make_context(const Options& opts, bool need_python = true);

/// The workers' interpreter: `flag` (--python), else $FASTEST_PYTHON, the active
/// virtualenv's, python3 in PATH. An Error(usage) naming where the choice came from.
base::Result<std::string> find_python(const std::string& flag);

/// Number of CPU cores usable by this process (affinity aware).
int usable_cores();

/// The ini options as a JSON object of strings/lists, for the worker's config message.
std::string ini_as_json(const IniConfig& ini);

}  // namespace fastest::app
