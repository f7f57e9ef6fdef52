#pragma once
// Internal to the store (and its tests): a cached file's items as one blob (files.items).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/test_item.h"

namespace fastest::store {

/// Encodes items of the file `rel_path` (each item's `file` is rel_path). Format 2: a
/// version byte, then varints and length-prefixed strings; a node id equal to
/// rel_path::cls::function is not stored; parametrize argnames only when there are any.
/// A blob of another format (1 had no argnames) decodes as nullopt: the file is parsed again.
std::string encode_items(const std::vector<base::TestItem>& items, std::string_view rel_path);

/// The items back, or nullopt for bytes that are not such an encoding (the file is then
/// not cached: discovery parses it again).
std::optional<std::vector<base::TestItem>> decode_items(std::string_view blob, const std::string& rel_path);

}  // namespace fastest::store
