#pragma once
// The stat fields the discovery cache compares (discovery.h: stat_trusted), from one struct stat.

#include <sys/stat.h>

#include <cstdint>

namespace fastest::discovery {

inline std::int64_t stat_ns(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

/// Sets size, mtime_ns, ctime_ns and inode of a SourceFile or ParsedFile.
template <class File>
void set_stat(File& f, const struct stat& st) {
  f.size = static_cast<std::int64_t>(st.st_size);
  f.mtime_ns = stat_ns(st.st_mtim);
  f.ctime_ns = stat_ns(st.st_ctim);
  f.inode = static_cast<std::uint64_t>(st.st_ino);
}

}  // namespace fastest::discovery
