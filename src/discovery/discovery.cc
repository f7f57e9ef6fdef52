// The discovery pass: walk, answer what the cache can, parse the rest in parallel.
#include "discovery/discovery.h"

#include <tbb/parallel_for_each.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <numeric>
#include <unordered_map>

#include "discovery/walk.h"

namespace fastest::discovery {

std::string make_node_id(std::string_view rel_path, std::string_view cls_chain, std::string_view function) {
  std::string id;
  id.reserve(rel_path.size() + cls_chain.size() + function.size() + 4);
  id.append(rel_path);
  if (!cls_chain.empty()) id.append("::").append(cls_chain);
  if (!function.empty()) id.append("::").append(function);
  return id;
}

bool stat_trusted(const SourceFile& now, const ParsedFile& cached) {
  return now.size == cached.size && now.mtime_ns == cached.mtime_ns && now.ctime_ns == cached.ctime_ns &&
         now.inode == cached.inode && std::max(cached.mtime_ns, cached.ctime_ns) < cached.checked_ns - k_racy_ns;
}

namespace {

std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What a cache answer is worth for `f`: trusted as it is, to be checked by hashing, or
// none (a different size or parse key: parse).
enum class CacheUse { none, hash, trust };

CacheUse cache_use(const SourceFile& f, const ParsedFile& hit, std::uint64_t key) {
  if (hit.size != f.size || hit.parse_key != key) return CacheUse::none;
  return stat_trusted(f, hit) ? CacheUse::trust : CacheUse::hash;
}

// parse_key depends on the file's kind and doctest module name alone: the walk's files come
// in runs of one kind (all plain test modules, usually), so it is hashed once per run of them.
class ParseKeys {
 public:
  explicit ParseKeys(const Config& cfg) : m_cfg(cfg) {}
  std::uint64_t of(const SourceFile& f) {
    const unsigned kind = (f.tests ? 1u : 0u) | (f.doctests ? 2u : 0u) | (f.text_doctest ? 4u : 0u) |
                          (f.conftest ? 8u : 0u) | (f.hook_file ? 16u : 0u);
    if (!m_known || kind != m_kind || f.module_name != m_module) {
      m_key = parse_key(f, m_cfg);
      m_kind = kind;
      m_module = f.module_name;
      m_known = true;
    }
    return m_key;
  }

 private:
  const Config& m_cfg;
  bool m_known = false;
  unsigned m_kind = 0;
  std::string m_module;
  std::uint64_t m_key = 0;
};

// A hashed answer that still matches takes the walk's stat (taken before the bytes were
// read) and this pass's time, so the next pass trusts it without reading.
void mark_verified(ParsedFile& hit, const SourceFile& f, std::int64_t pass_ns) {
  hit.size = f.size;
  hit.mtime_ns = f.mtime_ns;
  hit.ctime_ns = f.ctime_ns;
  hit.inode = f.inode;
  hit.checked_ns = pass_ns;
  hit.verified = true;
}

// Largest files first, so one big module does not start last and stretch the pass.
std::vector<std::size_t> largest_first(const std::vector<SourceFile>& files, std::vector<std::size_t> todo) {
  std::stable_sort(todo.begin(), todo.end(),
                   [&](std::size_t a, std::size_t b) { return files[a].size > files[b].size; });
  return todo;
}

void sort_by_rel_path(Discovery& d) {
  std::vector<std::size_t> by_path(d.files.size());
  std::iota(by_path.begin(), by_path.end(), std::size_t{0});
  const auto by_rel_path = [&](std::size_t a, std::size_t b) { return d.files[a].rel_path < d.files[b].rel_path; };
  // The walk's order is the paths' order for most trees (a directory's files before its
  // subdirectories breaks it only where a file name sorts after a subdirectory's).
  if (!std::is_sorted(by_path.begin(), by_path.end(), by_rel_path))
    std::stable_sort(by_path.begin(), by_path.end(), by_rel_path);
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

// Conftests are read while walking (their ignore lists steer the walk): from the cache
// when it still holds them, else parsed on the spot. Pointers stay valid (unique_ptr).
class ConftestStore {
 public:
  ConftestStore(const Config& cfg, const CacheLookup& cache, Discovery& d, std::int64_t pass_ns)
      : m_cfg(cfg), m_cache(cache), m_d(d), m_pass_ns(pass_ns) {}

  const ConftestFacts* load(const SourceFile& f) {
    std::optional<ParsedFile> hit = m_cache ? m_cache(f) : std::nullopt;
    if (hit) {
      const CacheUse use = hit->conftest ? cache_use(f, *hit, parse_key(f, m_cfg)) : CacheUse::none;
      if (use == CacheUse::hash && hash_file(f) == std::optional<std::uint64_t>(hit->content_hash))
        mark_verified(*hit, f, m_pass_ns);
      else if (use != CacheUse::trust)
        hit.reset();
    }
    if (hit) {
      hit->rel_path = f.rel_path;
      hit->parsed = false;
      hit->conftest->rel_path = f.rel_path;
      hit->conftest->abs_path = f.abs_path;
    } else {
      hit = parse_file(f, m_cfg);
      hit->checked_ns = m_pass_ns;
      ++m_d.parsed_count;
    }
    m_files.push_back(std::make_unique<ParsedFile>(std::move(*hit)));
    m_index[f.rel_path] = m_files.size() - 1;
    m_d.conftests.push_back(*m_files.back()->conftest);
    return &*m_files.back()->conftest;
  }

  /// The conftest already read as `f`, if it was read with the same parse key.
  /// A conftest that is a hook file (SourceFile::hook_file) is read as the conftest it is.
  std::unique_ptr<ParsedFile> take(const SourceFile& f) {
    auto it = m_index.find(f.rel_path);
    if (it == m_index.end() || !m_files[it->second]) return nullptr;
    SourceFile kind = f;
    kind.hook_file = false;
    if (m_files[it->second]->parse_key != parse_key(kind, m_cfg)) return nullptr;
    return std::move(m_files[it->second]);
  }

  /// Conftests not taken as modules, for the cache write-back.
  void finish() {
    for (auto& f : m_files)
      if (f) m_d.conftest_files.push_back(std::move(*f));
  }

 private:
  const Config& m_cfg;
  const CacheLookup& m_cache;
  Discovery& m_d;
  std::int64_t m_pass_ns;
  std::vector<std::unique_ptr<ParsedFile>> m_files;
  std::unordered_map<std::string, std::size_t> m_index;
};

// --deselect: pytest drops items whose node id starts with a prefix (plain str.startswith).
std::size_t deselect(std::vector<ParsedFile>& files, const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) return 0;
  std::size_t removed = 0;
  for (ParsedFile& f : files) {
    removed += std::erase_if(f.items, [&](const base::TestItem& it) {
      return std::any_of(prefixes.begin(), prefixes.end(),
                         [&](const std::string& p) { return std::string_view(it.node_id).starts_with(p); });
    });
  }
  return removed;
}

// A doctest text file without examples collects nothing: it is not a module to run.
void drop_empty_text_files(std::vector<SourceFile>& found, std::vector<ParsedFile>& files) {
  std::size_t out = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (found[i].text_doctest && files[i].items.empty() && !files[i].error) continue;
    if (out != i) {
      files[out] = std::move(files[i]);
      found[out] = std::move(found[i]);
    }
    ++out;
  }
  files.resize(out);
  found.resize(out);
}

}  // namespace

Discovery discover(const Config& cfg, const CacheLookup& cache) {
  Discovery d;
  // Taken before any file is read: a file changed after it has a later mtime or ctime.
  const std::int64_t pass_ns = wall_ns();
  ConftestStore conftests(cfg, cache, d, pass_ns);
  ConftestLoader loader = [&](const SourceFile& f) { return conftests.load(f); };
  std::vector<SourceFile> found = find_test_files(cfg, d.errors, loader);
  d.files.resize(found.size());
  std::vector<std::size_t> todo, to_hash;
  ParseKeys keys(cfg);
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (found[i].conftest) {
      if (auto read = conftests.take(found[i])) {
        d.files[i] = std::move(*read);
        continue;
      }
    }
    if (found[i].hook_file && !found[i].conftest) {
      // Only the worker's collection can say what it holds: neither read nor cached (a
      // tree of data files costs its walk alone).
      d.files[i].rel_path = found[i].rel_path;
      continue;
    }
    std::optional<ParsedFile> hit = cache ? cache(found[i]) : std::nullopt;
    const CacheUse use = hit ? cache_use(found[i], *hit, keys.of(found[i])) : CacheUse::none;
    if (use == CacheUse::none) {
      todo.push_back(i);
      continue;
    }
    d.files[i] = std::move(*hit);
    d.files[i].rel_path = found[i].rel_path;
    d.files[i].parsed = false;
    if (use == CacheUse::hash) to_hash.push_back(i);
  }
  conftests.finish();
  // Hashing is far cheaper than parsing; a stale answer is re-parsed.
  std::vector<char> stale(found.size(), 0);
  tbb::parallel_for_each(to_hash.begin(), to_hash.end(), [&](std::size_t i) {
    stale[i] = hash_file(found[i]) != std::optional<std::uint64_t>(d.files[i].content_hash);
  });
  for (std::size_t i : to_hash) {
    if (stale[i])
      todo.push_back(i);
    else
      mark_verified(d.files[i], found[i], pass_ns);
  }
  todo = largest_first(found, std::move(todo));
  tbb::parallel_for_each(todo.begin(), todo.end(), [&](std::size_t i) {
    d.files[i] = parse_file(found[i], cfg);
    d.files[i].checked_ns = pass_ns;
  });
  d.parsed_count += todo.size();
  for (std::size_t i = 0; i < found.size(); ++i) {
    d.files[i].worker_decides = found[i].worker_decides;
    d.files[i].hook_file = found[i].hook_file;
    if (d.files[i].conftest) {
      d.files[i].conftest->rel_path = found[i].rel_path;
      d.files[i].conftest->abs_path = found[i].abs_path;
    }
  }
  drop_empty_text_files(found, d.files);
  d.deselected = deselect(d.files, cfg.deselect);
  sort_by_rel_path(d);
  return d;
}

}  // namespace fastest::discovery
