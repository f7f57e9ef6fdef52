#pragma once
// The command line of `fastest` (the test command) as one table: every option of
// pytest 7.2's `--help` (core and its built-in plugins), the pytest-xdist options
// projects put in CI scripts, and fastest's own. The parser, `--help`, the `options`
// object sent to workers and docs/cli.md are all generated from / checked against it.

#include <string>
#include <vector>

namespace fastest::app {

/// What an occurrence does to its dest, with argparse's meaning.
enum class OptAction : int {
  store = 1,        ///< one value (or an optional one with `optional_value`)
  store_true = 2,   ///< no value
  store_false = 3,  ///< no value
  store_const = 4,  ///< no value; stores `const_json`
  count = 5,        ///< no value; +1
  append = 6,       ///< one value, appended to a list
  quiet = 7,        ///< -q: verbose - 1
  help = 8,
  version = 9,
};

enum class OptType : int { str = 1, integer = 2, real = 3 };

/// What fastest does with the option.
enum class OptStatus : int {
  implemented = 1,  ///< takes effect (in the controller or in the workers)
  no_effect = 2,    ///< accepted; `note` says why it changes nothing here
  refused = 3,      ///< usage error (exit 4) with `note` as the message
};

struct OptionSpec {
  std::vector<std::string> names;  ///< "-x", "--exitfirst"; argparse order
  std::string dest{};              ///< pytest's dest (fastest's own: its long name, '-' -> '_')
  OptAction action = OptAction::store;
  OptType type = OptType::str;
  std::vector<std::string> choices{};  ///< allowed values (after `lower`), empty = any
  std::string default_json = "null";   ///< the dest's value when not given (JSON text)
  std::string const_json = "null";     ///< store_const / optional-value constant (JSON text)
  std::string metavar{};               ///< for --help; empty: dest upper-cased
  std::string group{};                 ///< --help section
  std::string help{};
  OptStatus status = OptStatus::implemented;
  std::string note{};           ///< docs/cli.md remark; for refused options, the error message
  bool fastest_only = false;    ///< stripped from `config.args` (not pytest's, or owned by fastest)
  bool optional_value = false;  ///< nargs='?'
  bool lower = false;           ///< value lower-cased before the choice check (--doctest-report)
  bool conftest = false;        ///< added by a conftest's pytest_addoption (not in `options`)
  std::string nargs{};          ///< conftest options: argparse nargs ("", "?", "*", "+", "N")
  bool takes_value() const;
};

/// The built-in table, in pytest's --help order.
const std::vector<OptionSpec>& option_table();

/// `--help` text generated from `table` (with conftest options in their own section).
std::string help_text(const std::vector<OptionSpec>& table);

}  // namespace fastest::app
