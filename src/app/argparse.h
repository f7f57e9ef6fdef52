#pragma once
// Python 3.11 argparse semantics, as pytest's parser uses them (allow_abbrev=False):
// `--opt=value` and `--opt value`, short clusters (`-vvs`, `-kEXPR`, `-rA`), options
// anywhere among positionals, `--` ends options, no abbreviations, repeated options,
// argparse's error texts. Table-driven: the specs come from option_table.h (plus the
// options conftests add).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "app/option_table.h"
#include "base/result.h"

namespace fastest::app {

/// One option occurrence, in command-line order.
struct ParsedOption {
  std::size_t spec = 0;             ///< index into the table parsed against
  std::string option_string;        ///< the name used: "-k", "--tb"
  std::vector<std::string> values;  ///< converted/checked values (0 or more)
  std::size_t first_arg = 0;        ///< index of the argument naming the option
  std::size_t end_arg = 0;          ///< one past the last argument it used
  bool in_cluster = false;          ///< shares its argument with other short options ("-vx")
};

struct ParsedArgs {
  std::vector<ParsedOption> options;
  std::vector<std::string> file_or_dir;   ///< positionals, in order
  std::vector<std::string> unrecognized;  ///< unknown options and what argparse could not place
  /// `unrecognized` holds an option (starts with '-'): a full parse fails with
  /// "unrecognized arguments: ...".
  bool has_unknown_option() const;
};

/// Parses `args` (no program name). An argparse error (bad value, missing value,
/// invalid choice) is Error(usage) with argparse's message, "argument --tb: invalid
/// choice: 'x' (choose from ...)". Unknown options are not errors here (see
/// ParsedArgs::has_unknown_option): pytest parses known args several times first.
base::Result<ParsedArgs> parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& table);

/// argparse's name for an option in messages: "-x/--exitfirst".
std::string option_display_name(const OptionSpec& spec);

}  // namespace fastest::app
