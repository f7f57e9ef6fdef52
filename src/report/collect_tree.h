#pragma once
// What pytest 7.2's --collect-only prints for the collected items at each verbosity.

#include <string>
#include <vector>

namespace fastest::report {

/// pytest's _printcollecteditems at verbosity >= 0: each item's collectors as they open,
/// two spaces a level, with their docstring lines under them when the worker sent them
/// (-v). `chains`: one per item, in collection order, the worker's JSON text
/// [[key, repr, [doc lines]], ...] from the top collector below the session down to the
/// item (docs/protocol.md, `collected.tree`); a collector is shown again only when the
/// item before did not have it.
std::string collect_tree(const std::vector<std::string>& chains);

/// pytest's listing at -qq: `file: count` per file of `ids`, files sorted.
std::string collect_counts(const std::vector<std::string>& ids);

}  // namespace fastest::report
