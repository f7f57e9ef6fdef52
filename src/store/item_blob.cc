#include "item_blob.h"

#include <algorithm>
#include <cstdint>

#include "blob_io.h"

namespace fastest::store {
namespace {

constexpr unsigned char k_format = 2;
constexpr std::uint64_t k_parametrized = 1, k_own_node_id = 2, k_params = 4;

bool is_derived_id(const base::TestItem& it, std::string_view rel_path) {
  std::string_view id = it.node_id;
  if (!id.starts_with(rel_path)) return false;
  id.remove_prefix(rel_path.size());
  for (std::string_view part : {std::string_view(it.cls), std::string_view(it.function)}) {
    if (part.empty()) continue;
    if (!id.starts_with("::") || id.substr(2, part.size()) != part) return false;
    id.remove_prefix(2 + part.size());
  }
  return id.empty();
}

}  // namespace

std::string encode_items(const std::vector<base::TestItem>& items, std::string_view rel_path) {
  std::string out;
  out += static_cast<char>(k_format);
  put_varint(out, items.size());
  for (const base::TestItem& it : items) {
    const bool own_id = !is_derived_id(it, rel_path);
    put_varint(out, (it.parametrized ? k_parametrized : 0) | (own_id ? k_own_node_id : 0) |
                        (it.params.empty() ? 0 : k_params));
    put_varint(out, static_cast<std::uint64_t>(std::max(it.line, 0)));
    put_string(out, it.cls);
    put_string(out, it.function);
    if (own_id) put_string(out, it.node_id);
    put_varint(out, it.markers.size());
    for (const std::string& m : it.markers) put_string(out, m);
    if (it.params.empty()) continue;
    put_varint(out, it.params.size());
    for (const std::string& p : it.params) put_string(out, p);
  }
  return out;
}

std::optional<std::vector<base::TestItem>> decode_items(std::string_view blob, const std::string& rel_path) {
  if (blob.empty() || static_cast<unsigned char>(blob[0]) != k_format) return std::nullopt;
  BlobReader r(blob.substr(1));
  const std::uint64_t count = r.varint();
  // Every item takes at least 5 bytes: a bound before reserving.
  if (r.bad() || count > blob.size() / 5) return std::nullopt;
  std::vector<base::TestItem> items(count);
  const base::SharedString file(rel_path);
  for (base::TestItem& it : items) {
    const std::uint64_t flags = r.varint();
    it.line = static_cast<int>(r.varint() & 0x7FFFFFFF);
    it.cls = r.string();
    it.function = r.string();
    it.file = file;
    it.parametrized = flags & k_parametrized;
    if (flags & k_own_node_id) {
      it.node_id = r.string();
    } else {
      it.node_id.reserve(rel_path.size() + it.cls.size() + it.function.size() + 4);
      it.node_id = rel_path;
      if (!it.cls.empty()) it.node_id.append("::").append(it.cls);
      if (!it.function.empty()) it.node_id.append("::").append(it.function);
    }
    const std::uint64_t markers = r.varint();
    if (r.bad() || markers > blob.size()) return std::nullopt;
    it.markers.reserve(markers);
    for (std::uint64_t m = 0; m < markers; ++m) it.markers.emplace_back(r.string());
    if (flags & k_params) {
      const std::uint64_t params = r.varint();
      if (r.bad() || params > blob.size()) return std::nullopt;
      it.params.reserve(params);
      for (std::uint64_t p = 0; p < params; ++p) it.params.emplace_back(r.string());
    }
    if (r.bad()) return std::nullopt;
  }
  if (!r.done()) return std::nullopt;
  return items;
}

}  // namespace fastest::store
