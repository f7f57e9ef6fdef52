// pytest 7.2's file walk (_pytest/main.py: visit, _recurse, _in_venv) over POSIX calls.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <utility>

#include "discovery/discovery.h"
#include "discovery/patterns.h"

namespace fastest::discovery {
namespace {

namespace fs = std::filesystem;

constexpr int k_max_depth = 256;

std::int64_t mtime_ns(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::vector<std::string> sorted_entries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return names;
  while (const dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());  // byte order == Python's code point order for UTF-8
  return names;
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// pytest 7 looks for bin/activate*; newer pytest (and the venv module) for pyvenv.cfg.
bool is_virtualenv(const std::string& dir) {
  struct stat st {};
  if (::stat((dir + "/pyvenv.cfg").c_str(), &st) == 0 && S_ISREG(st.st_mode)) return true;
  if (!is_dir(dir + "/bin")) return false;
  for (const std::string& name : sorted_entries(dir + "/bin")) {
    if (name == "activate" || name == "activate.csh" || name == "activate.fish" || name == "Activate" ||
        name == "Activate.bat" || name == "Activate.ps1")
      return true;
  }
  return false;
}

std::string normal(const fs::path& p) {
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool is_under(const std::string& path, const std::string& dir) {
  if (dir == "/") return path.size() > 1 && path.front() == '/';
  return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
}

class Walker {
 public:
  Walker(const Config& cfg, std::vector<base::CollectionError>& errors)
      : m_cfg(cfg), m_errors(errors), m_root(normal(cfg.rootdir)) {}

  std::vector<SourceFile> run() {
    for (const fs::path& arg : m_cfg.paths) argument(normal(arg));
    return std::move(m_files);
  }

 private:
  void argument(const std::string& path) {
    m_arg = path;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      m_errors.push_back({path, 0, "file or directory not found: " + path});
    } else if (S_ISDIR(st.st_mode)) {
      if (m_seen_dirs.insert({st.st_dev, st.st_ino}).second) directory(path, 0);
    } else if (!path.ends_with(".py")) {
      m_errors.push_back({path, 0, "not found: " + path + " (no collector for a non-.py file)"});
    } else {
      add_file(path, st);
    }
  }

  // Files of a directory first, then its subdirectories, each in name order (pytest 7's visit()).
  void directory(const std::string& dir, int depth) {
    std::vector<std::string> subdirs;
    for (const std::string& name : sorted_entries(dir)) {
      std::string path = dir == "/" ? "/" + name : dir + "/" + name;
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) continue;  // broken symlink, vanished file
      if (S_ISDIR(st.st_mode)) {
        if (depth < k_max_depth && recurse_into(path, name, st)) subdirs.push_back(std::move(path));
      } else if (S_ISREG(st.st_mode) && name.ends_with(".py") && matches_python_files(path)) {
        add_file(path, st);
      }
    }
    for (const std::string& sub : subdirs) directory(sub, depth + 1);
  }

  bool recurse_into(const std::string& path, const std::string& name, const struct stat& st) {
    if (name == "__pycache__") return false;
    for (const std::string& pattern : m_cfg.norecursedirs) {
      if (fnmatch_ex(pattern, path)) return false;
    }
    if (is_virtualenv(path)) return false;
    // Symlink loops and directories linked twice: each directory is walked once.
    return m_seen_dirs.insert({st.st_dev, st.st_ino}).second;
  }

  bool matches_python_files(const std::string& path) const {
    return std::any_of(m_cfg.python_files.begin(), m_cfg.python_files.end(),
                       [&](const std::string& pattern) { return fnmatch_ex(pattern, path); });
  }

  void add_file(const std::string& path, const struct stat& st) {
    if (!m_seen_files.insert({st.st_dev, st.st_ino}).second) return;
    SourceFile f;
    f.rel_path = rel_path(path);
    f.abs_path = path;
    f.size = static_cast<std::int64_t>(st.st_size);
    f.mtime_ns = mtime_ns(st);
    m_files.push_back(std::move(f));
  }

  // pytest 7.2: relative to the rootdir, else to the command-line argument holding the
  // file ("" for a file argument outside the rootdir, giving ids like "::test_a").
  std::string rel_path(const std::string& path) const {
    if (is_under(path, m_root)) return path.substr(m_root == "/" ? 1 : m_root.size() + 1);
    if (is_under(path, m_arg)) return path.substr(m_arg == "/" ? 1 : m_arg.size() + 1);
    return "";
  }

  const Config& m_cfg;
  std::vector<base::CollectionError>& m_errors;
  std::string m_root;
  std::string m_arg;
  std::set<std::pair<dev_t, ino_t>> m_seen_dirs, m_seen_files;
  std::vector<SourceFile> m_files;
};

}  // namespace

std::vector<SourceFile> find_test_files(const Config& cfg, std::vector<base::CollectionError>& errors) {
  return Walker(cfg, errors).run();
}

}  // namespace fastest::discovery
