// The discovery pass: walk, answer what the cache can, parse the rest in parallel.
#include "discovery/discovery.h"

#include <tbb/parallel_for_each.h>

#include <algorithm>
#include <numeric>

namespace fastest::discovery {

std::string make_node_id(std::string_view rel_path, std::string_view cls_chain, std::string_view function) {
  std::string id;
  id.reserve(rel_path.size() + cls_chain.size() + function.size() + 4);
  id.append(rel_path);
  if (!cls_chain.empty()) id.append("::").append(cls_chain);
  if (!function.empty()) id.append("::").append(function);
  return id;
}

namespace {

// Largest files first, so one big module does not start last and stretch the pass.
std::vector<std::size_t> largest_first(const std::vector<SourceFile>& files, std::vector<std::size_t> todo) {
  std::stable_sort(todo.begin(), todo.end(),
                   [&](std::size_t a, std::size_t b) { return files[a].size > files[b].size; });
  return todo;
}

void sort_by_rel_path(Discovery& d) {
  std::vector<std::size_t> by_path(d.files.size());
  std::iota(by_path.begin(), by_path.end(), std::size_t{0});
  std::stable_sort(by_path.begin(), by_path.end(),
                   [&](std::size_t a, std::size_t b) { return d.files[a].rel_path < d.files[b].rel_path; });
  std::vector<ParsedFile> sorted;
  sorted.reserve(d.files.size());
  std::vector<std::size_t> new_index(d.files.size());
  for (std::size_t i = 0; i < by_path.size(); ++i) {
    new_index[by_path[i]] = i;
    sorted.push_back(std::move(d.files[by_path[i]]));
  }
  d.files = std::move(sorted);
  d.collection_order = std::move(new_index);  // walk position -> sorted position
}

}  // namespace

Discovery discover(const Config& cfg, const CacheLookup& cache) {
  Discovery d;
  std::vector<SourceFile> found = find_test_files(cfg, d.errors);
  d.files.resize(found.size());
  std::vector<std::size_t> todo, hits;
  for (std::size_t i = 0; i < found.size(); ++i) {
    std::optional<ParsedFile> hit = cache ? cache(found[i]) : std::nullopt;
    if (!hit) {
      todo.push_back(i);
      continue;
    }
    d.files[i] = std::move(*hit);
    d.files[i].rel_path = found[i].rel_path;
    d.files[i].parsed = false;
    hits.push_back(i);
  }
  // Hashing is far cheaper than parsing; a stale answer is re-parsed.
  std::vector<char> stale(found.size(), 0);
  tbb::parallel_for_each(hits.begin(), hits.end(), [&](std::size_t i) {
    stale[i] = hash_file(found[i]) != std::optional<std::uint64_t>(d.files[i].content_hash);
  });
  for (std::size_t i : hits)
    if (stale[i]) todo.push_back(i);
  todo = largest_first(found, std::move(todo));
  tbb::parallel_for_each(todo.begin(), todo.end(), [&](std::size_t i) { d.files[i] = parse_file(found[i], cfg); });
  d.parsed_count = todo.size();
  sort_by_rel_path(d);
  return d;
}

}  // namespace fastest::discovery
