#pragma once
// Which engine runs a suite: the native one (fast, pytest re-implemented) or the user's
// own pytest inside the workers. `choose_engine` is pure (facts in, choice out); the
// fact gathering (conftest facts from discovery, the interpreter's pytest11 entry
// points, the hook set the native harness honours) lives beside it.

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "app/command_line.h"

namespace fastest::app {

/// What one conftest (or a local module it names in `pytest_plugins`) uses of pytest.
struct ConftestUse {
  std::string path;                         ///< rootdir-relative, for the reason text
  std::vector<std::string> hooks;           ///< pytest_* functions it defines
  std::vector<std::string> hookwrappers;    ///< hooks marked hookwrapper=True / wrapper=True
  bool imports_pytest_internals = false;    ///< `import _pytest...` / `from _pytest... import`
  std::vector<std::string> pytest_plugins;  ///< names in its `pytest_plugins`
  bool pytest_plugins_dynamic = false;      ///< `pytest_plugins` is computed (not a literal)
  std::string plugin_name;                  ///< "" for a conftest; the pytest_plugins name of a local module
};

/// A pytest11 entry point of the worker interpreter's environment.
struct InstalledPlugin {
  std::string name;    ///< entry-point name ("xdist", "pytest_mock", "timeout")
  std::string module;  ///< "xdist.plugin"
  std::string dist;    ///< distribution ("pytest_xdist-3.1.0")
  std::string file;    ///< the module's source file if found on sys.path ("" if not)
  /// Its files name pytest_collect_file (scan_for_collect_file): it may collect any file
  /// the session's walk meets, which only the pytest engine's worker can tell.
  bool collects_files = false;
};

/// The worker interpreter's plugin environment, from one cached query.
struct PluginEnvironment {
  std::vector<InstalledPlugin> installed;  ///< pytest11 entry points
  std::vector<std::string> sys_path;       ///< its sys.path (empty entries left out)
};

struct EngineFacts {
  std::string requested = "auto";          ///< --engine: native | pytest | auto
  std::vector<ConftestUse> conftests;      ///< in the order pytest would load them
  std::vector<std::string> plugin_args;    ///< -p values in order ("name" or "no:name")
  std::vector<InstalledPlugin> installed;  ///< pytest11 entry points
  bool autoload_disabled = false;          ///< PYTEST_DISABLE_PLUGIN_AUTOLOAD is set
  std::vector<std::string> env_plugins;    ///< PYTEST_PLUGINS, split at ','
  std::set<std::string> native_hooks;      ///< hooks the native engine honours
  /// pytest_plugins names that resolve to a module file under the rootdir (their own
  /// hooks are listed in `conftests`); other names need the pytest engine.
  std::set<std::string> local_plugin_modules;
};

struct EngineChoice {
  std::string engine;  ///< "native" | "pytest"
  /// Why: "tests/conftest.py defines pytest_runtest_makereport"; "" when native was free.
  std::string reason;
  /// Everything the native engine would not honour (for --engine native's warning), one
  /// phrase each, in discovery order.
  std::vector<std::string> unhonoured;
};

/// The engine for these facts: a forced choice is kept, `auto` picks pytest exactly when
/// `unhonoured` is not empty (its first entry is the reason).
EngineChoice choose_engine(const EngineFacts& facts);

/// Whether `-p no:NAME` among `plugin_args` blocks the plugin registered as `name`: pytest
/// blocks NAME and, unless it starts so already, "pytest_" + NAME.
bool plugin_blocked(const std::vector<std::string>& plugin_args, const std::string& name);

/// Entry-point plugins the native engine emulates (pytest-xdist's worker_id and env).
bool native_emulates_plugin(std::string_view entry_point_name);

/// The names in `NATIVE_HOOKS = {...}` (any bracket kind, frozenset(...) too) of a
/// hooks.py source; empty if it defines none.
std::set<std::string> parse_native_hooks(std::string_view hooks_py);

/// NATIVE_HOOKS of the harness embedded in this binary: the one list, read at run time.
const std::set<std::string>& native_hooks();

/// The pytest11 entry points visible to `python` (sys.path's *.dist-info and *.egg-info
/// entry_points.txt), from one `python -c` query cached under `cache_root` by interpreter,
/// PYTHONPATH and the mtimes of the sys.path directories. Empty if the query fails.
std::vector<InstalledPlugin> installed_pytest_plugins(const std::string& python,
                                                      const std::filesystem::path& cache_root);

/// installed_pytest_plugins with the interpreter's sys.path (the same cached query).
PluginEnvironment plugin_environment(const std::string& python, const std::filesystem::path& cache_root);

/// installed_pytest_plugins for `python` ("" = the default interpreter) in the user cache,
/// shaped for parse_command_line's option scan.
std::vector<PluginFile> installed_plugin_files(const std::string& python);

/// Parses the query's output (one JSON object); used by installed_pytest_plugins and its tests.
std::vector<InstalledPlugin> parse_plugin_query(std::string_view json_text);
PluginEnvironment parse_plugin_environment(std::string_view json_text);

/// The header line: "engine: pytest (tests/conftest.py defines pytest_runtest_makereport)".
std::string engine_header(const EngineChoice& choice);

}  // namespace fastest::app
