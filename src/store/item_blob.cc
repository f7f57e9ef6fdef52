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

/// One item as read, its strings views into the blob.
struct ItemView {
  std::uint64_t flags = 0;
  int line = 0;
  std::string_view cls, function, own_id;
};

/// rel_path::cls::function, the id an item without its own is known by.
void append_derived_id(std::string& id, std::string_view rel_path, const ItemView& v) {
  id.reserve(id.size() + rel_path.size() + v.cls.size() + v.function.size() + 4);
  id.append(rel_path);
  if (!v.cls.empty()) id.append("::").append(v.cls);
  if (!v.function.empty()) id.append("::").append(v.function);
}

/// Reads one item: on_item(view, markers) once its fixed part is read, then
/// on_string(list, s) for each marker (list 0) and argname (list 1). False for bytes that
/// are not a valid item (`limit`: the blob's size, which no count may exceed).
template <class OnItem, class OnString>
bool read_item(BlobReader& r, std::size_t limit, OnItem&& on_item, OnString&& on_string) {
  ItemView v;
  v.flags = r.varint();
  v.line = static_cast<int>(r.varint() & 0x7FFFFFFF);
  v.cls = r.string();
  v.function = r.string();
  if (v.flags & k_own_node_id) v.own_id = r.string();
  const std::uint64_t markers = r.varint();
  if (r.bad() || markers > limit) return false;
  on_item(v, markers);
  for (std::uint64_t m = 0; m < markers; ++m) on_string(0, r.string());
  if (v.flags & k_params) {
    const std::uint64_t params = r.varint();
    if (r.bad() || params > limit) return false;
    for (std::uint64_t p = 0; p < params; ++p) on_string(1, r.string());
  }
  return !r.bad();
}

/// The item count after the format byte, or nullopt for a blob that cannot be an encoding.
std::optional<std::uint64_t> read_count(std::string_view blob, BlobReader& r) {
  if (blob.empty() || static_cast<unsigned char>(blob[0]) != k_format) return std::nullopt;
  r = BlobReader(blob.substr(1));
  const std::uint64_t count = r.varint();
  // Every item takes at least 5 bytes: a bound before reserving.
  if (r.bad() || count > blob.size() / 5) return std::nullopt;
  return count;
}

/// Reads every item of `blob`: on_count(n) once, then read_item's callbacks per item.
/// False for bytes that are not a valid encoding (callbacks may have run for a prefix).
template <class OnCount, class OnItem, class OnString>
bool walk(std::string_view blob, OnCount&& on_count, OnItem&& on_item, OnString&& on_string) {
  BlobReader r({});
  const std::optional<std::uint64_t> count = read_count(blob, r);
  if (!count) return false;
  on_count(static_cast<std::size_t>(*count));
  for (std::uint64_t i = 0; i < *count; ++i)
    if (!read_item(r, blob.size(), on_item, on_string)) return false;
  return r.done();
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
  std::vector<base::TestItem> items;
  const base::SharedString file(rel_path);
  const bool ok = walk(
      blob, [&](std::size_t n) { items.reserve(n); },
      [&](const ItemView& v, std::uint64_t markers) {
        base::TestItem& it = items.emplace_back();
        it.line = v.line;
        it.cls = v.cls;
        it.function = v.function;
        it.file = file;
        it.parametrized = v.flags & k_parametrized;
        if (v.flags & k_own_node_id)
          it.node_id = v.own_id;
        else
          append_derived_id(it.node_id, rel_path, v);
        it.markers.reserve(markers);
      },
      [&](int list, std::string_view s) { (list == 0 ? items.back().markers : items.back().params).emplace_back(s); });
  if (!ok) return std::nullopt;
  return items;
}

std::size_t encoded_count(std::string_view blob) {
  BlobReader r({});
  return static_cast<std::size_t>(read_count(blob, r).value_or(0));
}

bool valid_items(std::string_view blob) {
  return walk(
      blob, [](std::size_t) {}, [](const ItemView&, std::uint64_t) {}, [](int, std::string_view) {});
}

NodeIdReader::NodeIdReader(std::string_view blob, std::string_view rel_path) : m_blob(blob), m_rel_path(rel_path) {
  BlobReader r({});
  const std::optional<std::uint64_t> count = read_count(blob, r);
  m_bad = !count;
  m_left = count.value_or(0);
  m_pos = blob.size() - r.left();
}

bool NodeIdReader::next(std::string& id) {
  if (m_bad || m_left == 0) return false;
  BlobReader r(m_blob.substr(m_pos));
  ItemView item;
  m_bad = !read_item(
      r, m_blob.size(), [&](const ItemView& v, std::uint64_t) { item = v; }, [](int, std::string_view) {});
  if (m_bad) return false;
  m_pos = m_blob.size() - r.left();
  --m_left;
  if (item.flags & k_own_node_id) {
    id.assign(item.own_id);
  } else {
    id.clear();
    append_derived_id(id, m_rel_path, item);
  }
  return true;
}

}  // namespace fastest::store
