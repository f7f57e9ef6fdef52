#pragma once
// Helpers for discovery tests: a temporary directory tree and item lookups.

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "discovery/discovery.h"

namespace fastest::discovery::testing {

/// A fresh directory under the system temp dir, removed with its contents.
class TempTree {
 public:
  TempTree() {
    std::random_device rd;
    m_root = std::filesystem::temp_directory_path() /
             ("fastest-discovery-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(m_root);
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(m_root, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::filesystem::path& root() const { return m_root; }

  std::filesystem::path write(const std::string& rel, const std::string& content) const {
    std::filesystem::path p = m_root / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

  Config config() const {
    Config cfg;
    cfg.rootdir = m_root;
    cfg.paths = {m_root};
    return cfg;
  }

 private:
  std::filesystem::path m_root;
};

inline std::vector<std::string> ids(const std::vector<base::TestItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.node_id);
  return out;
}

inline std::vector<std::string> rel_paths(const std::vector<SourceFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.rel_path);
  return out;
}

inline ParsedFile parse(const std::string& src, const Config& cfg = Config{}) {
  return parse_source("t/test_x.py", src, cfg);
}

}  // namespace fastest::discovery::testing
