#include "history_snapshot.h"

#include <algorithm>
#include <vector>

#include "blob_io.h"
#include "store_impl.h"

namespace fastest::store {
namespace {

constexpr unsigned char k_format = 1;
// The smallest entry: shared (1), rest length (1), seconds (8).
constexpr std::size_t k_min_entry = 10;

std::size_t shared_prefix(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

/// Appends one entry, its key relative to `prev` (which then becomes this key).
void put_entry(std::string& out, std::string_view& prev, std::string_view key, double seconds) {
  const std::size_t shared = shared_prefix(prev, key);
  put_varint(out, shared);
  put_string(out, key.substr(shared));
  put_double(out, seconds);
  prev = key;
}

/// Reads one entry into `key` (which holds the previous key); false when malformed.
bool get_entry(BlobReader& r, std::string& key, double& seconds) {
  const std::uint64_t shared = r.varint();
  const std::string_view rest = r.string();
  seconds = r.float64();
  if (r.bad() || shared > key.size()) return false;
  key.resize(shared);
  key.append(rest);
  return true;
}

/// A count that the remaining bytes can hold.
bool plausible(const BlobReader& r, std::uint64_t count) { return !r.bad() && count <= r.left() / k_min_entry; }

}  // namespace

std::string encode_history(const History& h) {
  std::vector<std::pair<std::string_view, double>> tests;
  tests.reserve(h.test_seconds.size());
  for (const auto& [id, s] : h.test_seconds) tests.emplace_back(id, s);
  return encode_history(tests, h.module_overhead_seconds);
}

std::string encode_history(std::span<const std::pair<std::string_view, double>> tests,
                           const std::unordered_map<std::string, double>& module_seconds) {
  std::string out;
  out.reserve(1 + tests.size() * 16 + module_seconds.size() * 16);
  out += static_cast<char>(k_format);
  put_varint(out, tests.size());
  std::string_view prev;
  for (const auto& [id, s] : tests) put_entry(out, prev, id, s);
  std::vector<const std::pair<const std::string, double>*> modules;
  modules.reserve(module_seconds.size());
  for (const auto& m : module_seconds) modules.push_back(&m);
  std::sort(modules.begin(), modules.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  put_varint(out, modules.size());
  prev = {};
  for (const auto* m : modules) put_entry(out, prev, m->first, m->second);
  return out;
}

std::optional<History> decode_history(std::string_view blob) {
  if (blob.empty() || static_cast<unsigned char>(blob[0]) != k_format) return std::nullopt;
  BlobReader r(blob.substr(1));
  History h;
  std::string key;
  double s = 0;
  const std::uint64_t tests = r.varint();
  if (!plausible(r, tests)) return std::nullopt;
  h.test_seconds.reserve(tests);
  for (std::uint64_t i = 0; i < tests; ++i) {
    if (!get_entry(r, key, s)) return std::nullopt;
    if (auto e = clean_estimate(s)) h.test_seconds.emplace_back(key, *e);
  }
  key.clear();
  const std::uint64_t modules = r.varint();
  if (!plausible(r, modules)) return std::nullopt;
  h.module_overhead_seconds.reserve(modules);
  for (std::uint64_t i = 0; i < modules; ++i) {
    if (!get_entry(r, key, s)) return std::nullopt;
    if (auto e = clean_estimate(s)) h.module_overhead_seconds.emplace(key, *e);
  }
  if (!r.done()) return std::nullopt;
  return h;
}

}  // namespace fastest::store
