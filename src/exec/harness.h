#pragma once
// The embedded Python worker harness and its installation into a cache directory.

#include <cstddef>
#include <filesystem>

#include "base/result.h"

namespace fastest::exec {

struct EmbeddedFile {
  const char* path;            ///< relative to the harness root: "fastest_worker/run.py"
  const unsigned char* bytes;  ///< file contents (NUL-terminated for convenience)
  std::size_t size;            ///< bytes, excluding the terminator
};

extern const EmbeddedFile k_harness_files[];
extern const std::size_t k_harness_files_count;

/// xxh64 over every embedded file's path and bytes, as 16 hex digits.
std::string harness_hash();

/// The per-user cache root: $FASTEST_CACHE_DIR, else $XDG_CACHE_HOME/fastest,
/// else $HOME/.cache/fastest, else /tmp/fastest-<uid>.
std::filesystem::path default_cache_root();

/// Writes the harness to <cache_root>/harness-<hash>/ unless it is already there
/// (atomic: temp dir + rename, safe against concurrent runs). Returns the path of
/// fastest_worker_main.py.
base::Result<std::filesystem::path> install_harness(const std::filesystem::path& cache_root);

}  // namespace fastest::exec
