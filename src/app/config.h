#pragma once
// rootdir and ini-file resolution as pytest does it, and the ini options we use.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace fastest::app {

struct IniConfig {
  std::filesystem::path rootdir;
  std::filesystem::path inifile;  ///< empty when none was found
  /// Raw ini values (pytest.ini/tox.ini/setup.cfg strings, or TOML strings/arrays joined by '\n').
  std::map<std::string, std::vector<std::string>> values;
  /// A list option: TOML arrays as given; INI values split on whitespace ("args" type)
  /// or on lines ("linelist" type), per pytest's ini option types.
  std::vector<std::string> list(const std::string& key) const;
  bool has(const std::string& key) const { return values.count(key) != 0; }
};

/// Finds rootdir and the ini file for the given (absolute) paths, reading the file.
/// A malformed config file is an Error(usage) naming file and line.
base::Result<IniConfig> resolve_config(const std::vector<std::filesystem::path>& args,
                                       const std::filesystem::path& invocation_dir,
                                       const std::filesystem::path& rootdir_override);

/// Parses INI text (pytest.ini, tox.ini, setup.cfg); returns the keys of `section`.
base::Result<std::map<std::string, std::vector<std::string>>> parse_ini_section(const std::string& text,
                                                                                const std::string& section,
                                                                                const std::string& filename,
                                                                                bool* found);

}  // namespace fastest::app
