#pragma once
// Internal: the walk with a caller-supplied way of reading conftests (discover() answers
// from its cache; find_test_files() parses them).

#include <functional>
#include <vector>

#include "discovery/discovery.h"

namespace fastest::discovery {

/// Reads the conftest described by `file` (conftest = true); the facts must stay valid
/// for the whole walk. nullptr = no facts (treated as a conftest that says nothing).
using ConftestLoader = std::function<const ConftestFacts*(const SourceFile& file)>;

std::vector<SourceFile> find_test_files(const Config& cfg, std::vector<base::CollectionError>& errors,
                                        const ConftestLoader& loader);

}  // namespace fastest::discovery
