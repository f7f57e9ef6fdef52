#include "app/git_commit.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fastest::app {
namespace {

namespace fs = std::filesystem;

std::string first_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

bool is_hex_id(const std::string& s) {
  if (s.size() != 40 && s.size() != 64) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

/// The git directory of the repository holding `dir` (a `.git` file names it: worktrees).
fs::path git_dir(fs::path dir) {
  std::error_code ec;
  for (int depth = 0; depth < 64 && !dir.empty(); ++depth) {
    const fs::path dot = dir / ".git";
    if (fs::is_directory(dot, ec)) return dot;
    if (fs::is_regular_file(dot, ec)) {
      std::string line = first_line(dot);
      if (line.rfind("gitdir: ", 0) == 0) {
        fs::path target = line.substr(8);
        return target.is_absolute() ? target : dir / target;
      }
    }
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  return {};
}

/// A worktree's refs live in the main repository ("commondir").
fs::path common_dir(const fs::path& gd) {
  std::error_code ec;
  if (!fs::exists(gd / "commondir", ec)) return gd;
  fs::path c = first_line(gd / "commondir");
  return c.is_absolute() ? c : gd / c;
}

std::string resolve_ref(const fs::path& gd, const std::string& ref) {
  for (const fs::path& base : {gd, common_dir(gd)}) {
    std::string loose = first_line(base / ref);
    if (is_hex_id(loose)) return loose;
    std::ifstream packed(base / "packed-refs");
    std::string line;
    while (std::getline(packed, line)) {
      auto space = line.find(' ');
      if (space != std::string::npos && line.compare(space + 1, std::string::npos, ref) == 0 &&
          is_hex_id(line.substr(0, space)))
        return line.substr(0, space);
    }
  }
  return "";
}

}  // namespace

std::string git_commit(const fs::path& rootdir) {
  for (const char* var : {"FASTEST_GIT_COMMIT", "GITHUB_SHA", "CI_COMMIT_SHA", "BUILDKITE_COMMIT", "CIRCLE_SHA1"})
    if (const char* v = std::getenv(var); v && *v) return v;
  const fs::path gd = git_dir(fs::absolute(rootdir));
  if (gd.empty()) return "";
  std::string head = first_line(gd / "HEAD");
  if (is_hex_id(head)) return head;  // detached
  if (head.rfind("ref: ", 0) == 0) return resolve_ref(gd, head.substr(5));
  return "";
}

}  // namespace fastest::app
