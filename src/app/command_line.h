#pragma once
// The test command's command line as pytest builds it: PYTEST_ADDOPTS and argv decide
// rootdir and the ini file, then the ini file's addopts go in front and everything is
// parsed against the option table plus the options the initial conftests add.
// Then fastest's own settings: command line, FASTEST_* variables, [tool.fastest].

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/options.h"
#include "base/result.h"

namespace fastest::app {

struct CommandLine {
  enum class Kind : int { run = 1, help = 2, version = 3 };
  Kind kind = Kind::run;
  Options options;
  std::string text;  ///< --help / --version output
};

/// Environment lookup: std::getenv in production, a map in tests.
using GetEnv = std::function<std::optional<std::string>(const std::string&)>;
GetEnv process_env();

/// An installed pytest plugin (pytest11 entry point) and its module's source file.
struct PluginFile {
  std::string entry_point;  ///< "xdist", "timeout"
  std::filesystem::path file;
};
/// The installed plugins of the workers' interpreter (`python`: --python, FASTEST_PYTHON
/// or [tool.fastest] python; "" = the default one). Asked only when the command line has
/// an option (or, with --strict-config, the ini file a key) nothing else registered.
using InstalledPlugins = std::function<std::vector<PluginFile>(const std::string& python)>;

/// `argv` without the program name. Every problem is an Error(usage) whose message is
/// ready to print (pytest's texts: "ERROR: usage: ...\nfastest: error: ...").
base::Result<CommandLine> parse_command_line(const std::vector<std::string>& argv,
                                             const std::filesystem::path& invocation_dir, const GetEnv& env,
                                             const InstalledPlugins& installed = {});

}  // namespace fastest::app
