#pragma once
// Static test discovery: files -> tree-sitter-python -> TestItems. No store, no I/O
// beyond reading the files; the app layer supplies cached results by callback.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/test_item.h"

namespace fastest::discovery {

/// pytest's collection settings (ini options python_files etc.), already resolved.
struct Config {
  std::filesystem::path rootdir;                                    ///< absolute; node ids are relative to it
  std::vector<std::filesystem::path> paths;                         ///< absolute files or directories to walk
  std::vector<std::string> python_files{"test_*.py", "*_test.py"};  ///< fnmatch globs on the basename
  std::vector<std::string> python_classes{"Test"};                  ///< prefixes or globs for class names
  std::vector<std::string> python_functions{"test"};                ///< prefixes or globs for function names
  std::vector<std::string> norecursedirs{"*.egg", ".*",           "_darcs", "build", "CVS",
                                         "dist",  "node_modules", "venv",   "{arch}"};
};

/// A file found by the walk. Paths given explicitly on the command line are kept even
/// when their basename does not match python_files (as pytest does).
struct SourceFile {
  std::string rel_path;            ///< rootdir-relative, '/'-separated
  std::filesystem::path abs_path;  ///< absolute
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
};

/// Discovery's result for one file: its items, or the error that stopped parsing it.
struct ParsedFile {
  std::string rel_path;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t content_hash = 0;              ///< xxh64 of the bytes
  std::vector<base::TestItem> items;           ///< in source order
  std::optional<base::CollectionError> error;  ///< set for syntax errors, bad encodings, unreadable files
  bool parsed = false;  ///< true when parsed in this pass (not answered by the cache): write it back
};

/// Walks cfg.paths (sorted, each file once, symlink loops and broken links survived,
/// norecursedirs honoured). Nonexistent paths are reported in `errors`. Files come in
/// pytest 7's collection order: arguments in order; within a directory its files by
/// name, then its subdirectories by name.
std::vector<SourceFile> find_test_files(const Config& cfg, std::vector<base::CollectionError>& errors);

/// Parses one module's source text. Pure; used by parse_file and the tests/fuzzers.
ParsedFile parse_source(std::string_view rel_path, std::string_view source, const Config& cfg);

/// Reads (mmap) and parses one file.
ParsedFile parse_file(const SourceFile& file, const Config& cfg);

/// xxh64 of a file's bytes (as ParsedFile::content_hash), nullopt if it cannot be read.
std::optional<std::uint64_t> hash_file(const SourceFile& file);

/// Returns the cached ParsedFile for this (path, size, mtime) if still valid.
using CacheLookup = std::function<std::optional<ParsedFile>(const SourceFile&)>;

struct Discovery {
  std::vector<ParsedFile> files;              ///< sorted by rel_path
  std::vector<base::CollectionError> errors;  ///< walk errors (missing paths)
  std::size_t parsed_count = 0;               ///< files actually parsed (not from cache)
  std::vector<std::size_t> collection_order;  ///< indices into `files` in pytest's collection order
};

/// The whole pass: walk, then parse every file not answered by `cache` in parallel (oneTBB).
/// A cache answer is trusted only if the file's bytes still hash to its content_hash, so an
/// edit that kept size and mtime (rsync -t, touch -r, coarse clocks) is still seen.
/// `cache` is called from the calling thread only, once per file, before any parsing.
Discovery discover(const Config& cfg, const CacheLookup& cache = {});

/// Builds pytest's node id "rel/path.py::Class::Inner::func".
std::string make_node_id(std::string_view rel_path, std::string_view cls_chain, std::string_view function);

/// fnmatch-style glob match as Python's fnmatch.fnmatch on POSIX (*, ?, [seq], [!seq]).
bool fnmatch(std::string_view name, std::string_view pattern);

}  // namespace fastest::discovery
