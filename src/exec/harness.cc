#include "exec/harness.h"

#include <unistd.h>
#include <xxhash.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <system_error>

namespace fastest::exec {
namespace fs = std::filesystem;

std::string harness_hash() {
  XXH64_state_t* st = XXH64_createState();
  XXH64_reset(st, 0);
  for (std::size_t i = 0; i < k_harness_files_count; ++i) {
    const auto& f = k_harness_files[i];
    XXH64_update(st, f.path, std::char_traits<char>::length(f.path) + 1);
    XXH64_update(st, f.bytes, f.size);
  }
  auto h = XXH64_digest(st);
  XXH64_freeState(st);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

fs::path default_cache_root() {
  if (const char* d = std::getenv("FASTEST_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "fastest";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "fastest";
  return fs::temp_directory_path() / ("fastest-" + std::to_string(getuid()));
}

namespace {

base::Status write_tree(const fs::path& dir) {
  for (std::size_t i = 0; i < k_harness_files_count; ++i) {
    const auto& f = k_harness_files[i];
    fs::path p = dir / f.path;
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream out(p, std::ios::binary);
    out.write(reinterpret_cast<const char*>(f.bytes), static_cast<std::streamsize>(f.size));
    if (!out) return base::make_error(base::ErrorCode::io, "cannot write " + p.string());
  }
  return base::ok_status();
}

}  // namespace

base::Result<fs::path> install_harness(const fs::path& cache_root) {
  fs::path dir = cache_root / ("harness-" + harness_hash());
  fs::path main_py = dir / "fastest_worker_main.py";
  std::error_code ec;
  if (fs::exists(main_py, ec)) return main_py;
  fs::create_directories(cache_root, ec);
  if (ec)
    return base::make_error(base::ErrorCode::io,
                            "cannot create cache directory " + cache_root.string() + ": " + ec.message());
  std::random_device rd;
  fs::path tmp = cache_root / (".tmp-harness-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
  if (auto st = write_tree(tmp); !st) {
    fs::remove_all(tmp, ec);
    return st.error();
  }
  fs::rename(tmp, dir, ec);
  if (ec) {
    // Another run installed the same hash first; theirs is identical.
    fs::remove_all(tmp, ec);
    if (!fs::exists(main_py))
      return base::make_error(base::ErrorCode::io, "cannot install harness into " + dir.string());
  }
  return main_py;
}

}  // namespace fastest::exec
