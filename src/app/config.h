#pragma once
// rootdir and ini-file resolution as pytest does it, and the ini options we use.

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"

namespace fastest::app {

struct IniConfig {
  std::filesystem::path rootdir;
  std::filesystem::path inifile;  ///< empty when none was found
  /// Raw ini values (pytest.ini/tox.ini/setup.cfg strings, or TOML strings/arrays joined by '\n').
  std::map<std::string, std::vector<std::string>> values;
  std::set<std::string> arrays;  ///< keys given as TOML arrays (the others are strings)
  /// A list option: TOML arrays as given; strings split with shlex rules ("args" type)
  /// or on lines ("linelist" type), per pytest's ini option types.
  std::vector<std::string> list(const std::string& key) const;
  bool has(const std::string& key) const { return values.count(key) != 0; }
  /// `addopts` as pytest reads it: a TOML list as is, a string split with shlex rules.
  /// An unclosed quote is an Error(usage) naming the file.
  base::Result<std::vector<std::string>> addopts() const;
};

/// Finds rootdir and the ini file for the given (absolute) paths, reading the file.
/// `inifile` (-c) chooses the file instead. A malformed config file is an
/// Error(usage) naming file and line, with pytest's message.
base::Result<IniConfig> resolve_config(const std::vector<std::filesystem::path>& args,
                                       const std::filesystem::path& invocation_dir,
                                       const std::filesystem::path& rootdir_override,
                                       const std::filesystem::path& inifile = {});

/// `-o name=value` in order (the last one for a name wins); a value without '=' is
/// pytest's usage error.
base::Status apply_override_ini(IniConfig& ini, const std::vector<std::string>& overrides);

/// pytest's _strtobool for a bool ini value; `fallback` when absent or not a boolean word.
bool ini_bool(const IniConfig& ini, const std::string& key, bool fallback);

using IniSections = std::map<std::string, std::map<std::string, std::string>>;
/// Parses INI text as pytest's iniconfig does (pytest.ini, tox.ini, setup.cfg): every
/// section, continuation lines joined by '\n'; errors "<file>:<line>: <message>".
base::Result<IniSections> parse_ini(const std::string& text, const std::string& filename);

/// POSIX shlex.split (no comments): the rules pytest splits `addopts` and
/// PYTEST_ADDOPTS with. Errors: "No closing quotation", "No escaped character".
base::Result<std::vector<std::string>> shlex_split(const std::string& text);

}  // namespace fastest::app
