#pragma once
// A cached file's items as one blob (files.items): the store's encoding, also read by the
// app, which turns a cached file's blob into node ids without building TestItems.

#include <cstdint>
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

/// How many items `blob` says it holds (0 when it is not an encoding): a size to reserve.
std::size_t encoded_count(std::string_view blob);

/// True when decode_items would decode `blob` (checked without building anything).
bool valid_items(std::string_view blob);

/// Reads the node ids of a blob valid_items accepted, one by one, without building the
/// rest of each item: `while (r.next(id)) use(std::move(id));`.
class NodeIdReader {
 public:
  NodeIdReader(std::string_view blob, std::string_view rel_path);
  /// The next item's node id into `id` (replacing what it held); false after the last, or
  /// at bytes that are not a valid encoding (then ok() is false).
  bool next(std::string& id);
  bool ok() const { return !m_bad; }

 private:
  std::string_view m_blob, m_rel_path;
  std::size_t m_pos = 0;
  std::uint64_t m_left = 0;
  bool m_bad = false;
};

}  // namespace fastest::store
