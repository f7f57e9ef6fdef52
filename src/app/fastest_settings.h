#pragma once
// fastest's own settings beyond the command line: FASTEST_* environment variables,
// then `[tool.fastest]` in the rootdir's pyproject.toml, then the defaults.

#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "app/command_line.h"
#include "app/config.h"
#include "app/options.h"
#include "base/result.h"

namespace fastest::app {

/// "-n" values: a count, "auto" or "logical" (-1 = the usable cores). Nullopt if invalid.
std::optional<int> parse_worker_count(const std::string& v);

/// Fills the settings the command line left unset (`given`: the dests it set, e.g.
/// "numprocesses", "db"). An unknown [tool.fastest] key or a value of the wrong type is
/// an Error(usage) naming the key and the file; a bad FASTEST_* value names the variable.
/// `ini` (pytest's ini file: pytest.ini, setup.cfg, tox.ini, [tool.pytest.ini_options]) may
/// give the history settings (quarantine_threshold, keep_runs, retention_days) last.
base::Status apply_fastest_settings(Options& o, const std::set<std::string>& given,
                                    const std::filesystem::path& rootdir, const GetEnv& env,
                                    const IniConfig* ini = nullptr);

}  // namespace fastest::app
