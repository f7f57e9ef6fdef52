#pragma once
// Static scan of the options a conftest.py (or plugin module) registers in its
// pytest_addoption hook: `parser.addoption(...)`, `group.addoption(...)`,
// `parser.getgroup(...).addoption(...)` and `parser.addini(...)`, and the modules it
// names in `pytest_plugins` (which may add options too). The command-line
// parser needs each option's names and whether it takes a value; the values
// themselves are the worker's business.

#include <string>
#include <string_view>
#include <vector>

namespace fastest::discovery {

struct ScannedOption {
  std::vector<std::string> names;  ///< "--runslow", "-L" (only literal strings)
  /// argparse nargs: "0" (flag: store_true, store_false, count, store_const,
  /// append_const, help, version), "" (one value), "?", "*", "+" or a number.
  std::string nargs;
  int line = 0;  ///< 1-based line of the call
};

struct ScannedOptions {
  std::vector<ScannedOption> options;
  std::vector<std::string> ini_names;       ///< parser.addini("name", ...)
  std::vector<std::string> pytest_plugins;  ///< literal `pytest_plugins = "m"` / `[...]` entries
};

/// Pure: parses `source` with tree-sitter-python. Calls whose names are not string
/// literals are skipped (they cannot be known statically).
ScannedOptions scan_conftest_options(std::string_view source);

}  // namespace fastest::discovery
