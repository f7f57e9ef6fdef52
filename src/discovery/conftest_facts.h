#pragma once
// Internal: reads ConftestFacts (discovery.h) from a conftest's syntax tree.

#include <string_view>

#include <tree_sitter/api.h>

#include "discovery/discovery.h"

namespace fastest::discovery {

/// Hooks, _pytest imports, pytest_plugins, collect_ignore(_glob) of a parsed conftest.py.
/// rel_path/abs_path are left for the caller.
ConftestFacts read_conftest_facts(TSNode root, std::string_view source);

}  // namespace fastest::discovery
