#pragma once
// Which active plugins define pytest_collect_file. pytest's session asks every plugin
// about every file its walk does not ignore, so with one of them active discovery hands
// the pytest engine's worker the files the python and doctest plugins leave
// (discovery::Config::plugin_collects_files, SourceFile::hook_file).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "app/engine.h"

namespace fastest::app {

struct CollectFileScan {
  bool defines = false;           ///< some file read names pytest_collect_file
  std::vector<std::string> read;  ///< the files and the package directory read (cache stamps)
};

/// Whether a plugin module's source names pytest_collect_file: the module's file, and when
/// it is part of a package (a dotted `module`, or an __init__.py) every .py file beside
/// it, where a plugin class registered at configure time lives (pytest-doctestplus'
/// DoctestPlus in its plugin.py). A text search: a mention anywhere counts, so a false
/// answer costs the walk's extra hook files their collection, never an outcome.
CollectFileScan scan_for_collect_file(const std::string& file, const std::string& module);

/// The source file `import name` finds in `dirs` (a/b.py or a/b/__init__.py for "a.b").
std::optional<std::filesystem::path> find_module_file(const std::string& name, const std::vector<std::string>& dirs);

/// What decides which plugins are active, besides conftests.
struct CollectorFacts {
  PluginEnvironment env;
  std::vector<std::string> plugin_args;  ///< -p values in order ("name" or "no:name")
  std::vector<std::string> env_plugins;  ///< PYTEST_PLUGINS, split at ','
  bool autoload_disabled = false;        ///< PYTEST_DISABLE_PLUGIN_AUTOLOAD
};

/// Whether the plugin pytest imports for `name` (an entry-point name or a module, as
/// `-p`, PYTEST_PLUGINS and `pytest_plugins` give it) defines pytest_collect_file; a
/// module that is not an entry point is looked up in `dirs` first, then sys.path. A name
/// `-p no:` blocks does not load.
bool plugin_collects_files(const std::string& name, const CollectorFacts& facts,
                           const std::vector<std::string>& dirs = {});

/// The first active plugin (an entry point `-p no:` does not block, unless autoload is
/// off; a `-p` or PYTEST_PLUGINS name) that defines pytest_collect_file, "" if none.
/// `dirs`: where `-p` modules may be found besides sys.path (the invocation directory).
std::string active_file_collector(const CollectorFacts& facts, const std::vector<std::string>& dirs = {});

}  // namespace fastest::app
