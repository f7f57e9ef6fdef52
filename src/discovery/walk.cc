// pytest 7.2's file walk (_pytest/main.py: visit, _recurse, _collectfile, pytest_ignore_collect,
// _in_venv; config: _getconftestmodules, _getconftest_pathlist) over POSIX calls.
#include "discovery/walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "discovery/file_stat.h"
#include "discovery/patterns.h"

namespace fastest::discovery {
namespace {

namespace fs = std::filesystem;

constexpr int k_max_depth = 256;

/// An open directory: its entries' names, and its fd for the *at() calls, so that each
/// entry's stat resolves one name instead of the whole path again.
class OpenDir {
 public:
  explicit OpenDir(const std::string& dir) : m_dir(::opendir(dir.c_str())) {}
  OpenDir(const OpenDir&) = delete;
  OpenDir& operator=(const OpenDir&) = delete;
  ~OpenDir() {
    if (m_dir) ::closedir(m_dir);
  }

  /// Names in byte order (== Python's code point order for UTF-8), without . and ..
  std::vector<std::string> sorted_names() {
    std::vector<std::string> names;
    if (!m_dir) return names;
    while (const dirent* e = ::readdir(m_dir)) {
      std::string_view name = e->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  /// stat() of an entry (following symlinks, as stat does).
  bool stat(const std::string& name, struct stat& st) const {
    return m_dir && ::fstatat(::dirfd(m_dir), name.c_str(), &st, 0) == 0;
  }

 private:
  DIR* m_dir;
};

std::vector<std::string> sorted_entries(const std::string& dir) { return OpenDir(dir).sorted_names(); }

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// pytest 7 looks for bin/activate*; newer pytest (and the venv module) for pyvenv.cfg.
bool is_virtualenv(const std::string& dir) {
  if (is_file(dir + "/pyvenv.cfg")) return true;
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

// os.path.abspath: joined to `base` when relative, then normalised lexically.
std::string absolute_from(const std::string& base, std::string_view p) {
  if (!p.empty() && p.front() == '/') return normal(fs::path(p));
  return normal(fs::path(base) / fs::path(p));
}

bool is_under(const std::string& path, const std::string& dir) {
  if (dir == "/") return path.size() > 1 && path.front() == '/';
  return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string basename_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// str.isidentifier for the names package directories have in practice (ASCII rules,
// non-ASCII letters accepted).
bool is_identifier(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

// pytest's _is_setup_py: only a setup.py that mentions setuptools or distutils is skipped.
bool is_setup_py(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::string bytes;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) bytes.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return bytes.find("setuptools") != std::string::npos || bytes.find("distutils") != std::string::npos;
}

struct FileKeyHash {
  std::size_t operator()(const std::pair<dev_t, ino_t>& k) const noexcept {
    return std::hash<std::uint64_t>{}(static_cast<std::uint64_t>(k.second) * 0x9E3779B97F4A7C15ull ^
                                      static_cast<std::uint64_t>(k.first));
  }
};

enum class Verdict { keep = 0, worker_decides = 1, ignore = 2 };

Verdict worst(Verdict a, Verdict b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; }

class Walker {
 public:
  Walker(const Config& cfg, std::vector<base::CollectionError>& errors, const ConftestLoader& loader)
      : m_cfg(cfg), m_errors(errors), m_loader(loader), m_root(normal(cfg.rootdir)) {
    std::string here = cfg.invocation_dir.empty() ? normal(fs::current_path()) : normal(cfg.invocation_dir);
    for (const auto& p : cfg.ignore) m_ignore.push_back(absolute_from(here, p));
    for (const auto& p : cfg.ignore_glob) m_ignore_glob.push_back(absolute_from(here, p));
    if (!cfg.confcutdir.empty()) m_confcutdir = normal(cfg.confcutdir);
    for (const fs::path& arg : cfg.paths) m_initpaths.insert(normal(arg));
  }

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
      chain(parent_of(path));  // pytest loads the argument's conftests from the top first
      if (m_seen_dirs.insert({st.st_dev, st.st_ino}).second) directory(path, 0, false);
    } else {
      chain(parent_of(path));
      SourceFile f;
      if (!classify(path, /*initpath=*/true, f) && !hook_collects(parent_of(path), f)) {
        m_errors.push_back({path, 0, "not found: " + path + " (no collector for a non-.py file)"});
      } else {
        add_file(path, st, std::move(f));
      }
    }
  }

  // Files of a directory first, then its subdirectories, each in name order (pytest 7's
  // visit()); a package's __init__.py comes first (pytest collects packages first).
  void directory(const std::string& dir, int depth, bool decides) {
    chain(dir);
    std::vector<std::pair<std::string, bool>> subdirs;
    {
      OpenDir open(dir);
      std::vector<std::string> names = open.sorted_names();
      auto init = std::find(names.begin(), names.end(), "__init__.py");
      if (init != names.end()) std::rotate(names.begin(), init, init + 1);
      for (const std::string& name : names) entry(open, dir, name, depth, decides, subdirs);
    }  // closed before descending: one directory of the walk open at a time
    for (const auto& [sub, sub_decides] : subdirs) directory(sub, depth + 1, sub_decides);
  }

  void entry(const OpenDir& open, const std::string& dir, const std::string& name, int depth, bool decides,
             std::vector<std::pair<std::string, bool>>& subdirs) {
    std::string path = dir == "/" ? "/" + name : dir + "/" + name;
    struct stat st {};
    if (!open.stat(name, st)) return;  // broken symlink, vanished file
    if (S_ISDIR(st.st_mode)) {
      if (depth >= k_max_depth) return;
      Verdict v = recurse_into(path, dir, name, st);
      if (v != Verdict::ignore) subdirs.emplace_back(std::move(path), decides || v == Verdict::worker_decides);
    } else if (S_ISREG(st.st_mode)) {
      regular_file(path, dir, st, decides);
    }
  }

  void regular_file(const std::string& path, const std::string& dir, const struct stat& st, bool decides) {
    SourceFile f;
    if (!classify(path, /*initpath=*/false, f) && !hook_collects(dir, f)) return;
    Verdict v = m_initpaths.count(path) ? Verdict::keep : ignore_verdict(path, dir, /*is_dir=*/false);
    if (v == Verdict::ignore) return;
    f.worker_decides = decides || v == Verdict::worker_decides;
    add_file(path, st, std::move(f));
  }

  // pytest_collect_file of the python and doctest plugins: what collects this file, if anything.
  bool classify(const std::string& path, bool initpath, SourceFile& f) const {
    std::string name = basename_of(path);
    if (name.ends_with(".py")) {
      f.tests = initpath || matches(m_cfg.python_files, path);
      f.doctests = m_cfg.doctest_modules && name != "__main__.py" && !(name == "setup.py" && is_setup_py(path));
      f.conftest = name == "conftest.py" && conftest_dir_loaded(parent_of(path));
      if (f.doctests) f.module_name = module_name(path);
      return f.tests || f.doctests;
    }
    bool text = initpath && (name.ends_with(".txt") || name.ends_with(".rst"));
    if (!text) text = matches(m_cfg.doctest_glob.empty() ? k_default_doctest_glob : m_cfg.doctest_glob, path);
    f.tests = false;
    f.text_doctest = text;
    return text;
  }

  // Session._collectfile asks every plugin's pytest_collect_file about each file: a
  // conftest's own hook, or a plugin's, may collect a file the python and doctest plugins
  // leave (a .py file outside python_files too).
  bool hook_collects(const std::string& dir, SourceFile& f) {
    if (!m_cfg.plugin_collects_files) {
      const std::vector<const ConftestFacts*>& conftests = chain(dir);
      if (std::none_of(conftests.begin(), conftests.end(), [&](const ConftestFacts* c) { return collects(*c); }))
        return false;
    }
    f.tests = false;
    f.doctests = false;
    f.module_name.clear();
    f.hook_file = true;
    return true;
  }

  // The conftest defines pytest_collect_file, or loads a plugin (pytest_plugins) that does.
  bool collects(const ConftestFacts& c) {
    if (c.defines("pytest_collect_file")) return true;
    if (!m_cfg.collecting_plugin || c.pytest_plugins.empty()) return false;
    auto [it, fresh] = m_collects.try_emplace(&c, false);
    if (fresh)
      it->second = std::any_of(c.pytest_plugins.begin(), c.pytest_plugins.end(), [&](const std::string& name) {
        return m_cfg.collecting_plugin(name, c.abs_path.string());
      });
    return it->second;
  }

  static bool matches(const std::vector<std::string>& patterns, const std::string& path) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& pattern) { return fnmatch_ex(pattern, path); });
  }

  // Session._recurse: __pycache__, pytest_ignore_collect (ignores, venvs), norecursedirs.
  Verdict recurse_into(const std::string& path, const std::string& dir, const std::string& name,
                       const struct stat& st) {
    if (name == "__pycache__") return Verdict::ignore;
    Verdict v = ignore_verdict(path, dir, /*is_dir=*/true);
    if (v == Verdict::ignore) return v;
    for (const std::string& pattern : m_cfg.norecursedirs) {
      if (fnmatch_ex(pattern, path)) return Verdict::ignore;
    }
    // Symlink loops and directories linked twice: each directory is walked once.
    if (!m_seen_dirs.insert({st.st_dev, st.st_ino}).second) return Verdict::ignore;
    return v;
  }

  // main.py's pytest_ignore_collect for `path` (whose directory is `dir`), with what the
  // conftests of `dir` say. A pytest_ignore_collect hook there may answer anything.
  Verdict ignore_verdict(const std::string& path, const std::string& dir, bool is_directory) {
    const std::vector<const ConftestFacts*>& conftests = chain(dir);
    Verdict v = list_verdict(conftests, &ConftestFacts::collect_ignore, path, false);
    if (std::find(m_ignore.begin(), m_ignore.end(), path) != m_ignore.end()) v = Verdict::ignore;
    v = worst(v, list_verdict(conftests, &ConftestFacts::collect_ignore_glob, path, true));
    for (const std::string& glob : m_ignore_glob)
      if (fnmatch(path, glob)) v = Verdict::ignore;
    if (is_directory && !m_cfg.collect_in_virtualenv && is_virtualenv(path)) v = Verdict::ignore;
    bool hook = std::any_of(conftests.begin(), conftests.end(),
                            [](const ConftestFacts* c) { return c->defines("pytest_ignore_collect"); });
    return hook ? Verdict::worker_decides : v;
  }

  // _getconftest_pathlist: the nearest conftest defining the name wins; entries are
  // relative to its directory; globs are fnmatch'ed against the whole path.
  static Verdict list_verdict(const std::vector<const ConftestFacts*>& conftests, IgnoreSpec ConftestFacts::*which,
                              const std::string& path, bool glob) {
    Verdict v = Verdict::keep;
    bool shadowed = false;  // a nearer conftest may define the name, hiding this one
    for (auto it = conftests.rbegin(); it != conftests.rend(); ++it) {
      const IgnoreSpec& spec = (*it)->*which;
      if (spec.defined == IgnoreSpec::Defined::no) continue;
      std::string base = parent_of(normal((*it)->abs_path));
      auto hit = [&](const std::string& entry) {
        std::string p = absolute_from(base, entry);
        return glob ? fnmatch(path, p) : p == path;
      };
      if (std::any_of(spec.certain.begin(), spec.certain.end(), hit))
        v = worst(v, shadowed ? Verdict::worker_decides : Verdict::ignore);
      if (spec.dynamic || std::any_of(spec.maybe.begin(), spec.maybe.end(), hit)) v = worst(v, Verdict::worker_decides);
      if (spec.defined == IgnoreSpec::Defined::yes) break;
      shadowed = true;
    }
    return v;
  }

  bool in_confcutdir(const std::string& dir) const { return m_confcutdir.empty() || !is_under(m_confcutdir, dir); }

  bool conftest_dir_loaded(const std::string& dir) const {
    auto it = m_conftest_of.find(dir);
    return it != m_conftest_of.end() && it->second;
  }

  // _getconftestmodules: the conftests of `dir` and every directory above it, from the top.
  const std::vector<const ConftestFacts*>& chain(const std::string& dir) {
    if (auto it = m_chains.find(dir); it != m_chains.end()) return it->second;
    std::vector<const ConftestFacts*> result;
    if (!m_cfg.noconftest && !dir.empty()) {
      std::string parent = parent_of(dir);
      if (parent != dir && !parent.empty()) result = chain(parent);
      if (const ConftestFacts* own = conftest_in(dir)) result.push_back(own);
    }
    return m_chains[dir] = std::move(result);
  }

  const ConftestFacts* conftest_in(const std::string& dir) {
    auto [it, fresh] = m_conftest_of.try_emplace(dir, nullptr);
    if (!fresh || !in_confcutdir(dir)) return it->second;
    std::string path = dir == "/" ? "/conftest.py" : dir + "/conftest.py";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
    SourceFile f;
    f.rel_path = conftest_rel_path(path);
    f.abs_path = path;
    set_stat(f, st);
    f.conftest = true;
    f.tests = matches(m_cfg.python_files, path);
    f.doctests = m_cfg.doctest_modules;
    if (f.doctests) f.module_name = module_name(path);
    it->second = m_loader(f);
    return it->second;
  }

  // The dotted name import_path gives the module (prepend/append: up through the packages,
  // i.e. directories with an __init__.py and an identifier name; importlib: from the rootdir).
  std::string module_name(const std::string& path) const {
    std::string stem = basename_of(path);
    stem.resize(stem.size() - 3);
    if (m_cfg.import_mode == "importlib") {
      std::string rel = is_under(path, m_root) ? path.substr(m_root == "/" ? 1 : m_root.size() + 1) : path.substr(1);
      rel.resize(rel.size() - 3);
      std::replace(rel.begin(), rel.end(), '/', '.');
      return rel;
    }
    std::string name = stem == "__init__" ? "" : stem;
    for (std::string dir = parent_of(path); !dir.empty() && dir != "/"; dir = parent_of(dir)) {
      std::string base = basename_of(dir);
      if (!is_file(dir + "/__init__.py") || !is_identifier(base)) break;
      name = name.empty() ? base : base + "." + name;
    }
    return name.empty() ? stem : name;
  }

  void add_file(const std::string& path, const struct stat& st, SourceFile f) {
    if (!m_seen_files.insert({st.st_dev, st.st_ino}).second) return;
    f.rel_path = rel_path(path);
    f.abs_path = path;
    set_stat(f, st);
    m_files.push_back(std::move(f));
  }

  // pytest 7.2: relative to the rootdir, else to the command-line argument holding the
  // file ("" for a file argument outside the rootdir, giving ids like "::test_a").
  std::string rel_path(const std::string& path) const {
    if (is_under(path, m_root)) return path.substr(m_root == "/" ? 1 : m_root.size() + 1);
    if (is_under(path, m_arg)) return path.substr(m_arg == "/" ? 1 : m_arg.size() + 1);
    return "";
  }

  std::string conftest_rel_path(const std::string& path) const {
    if (is_under(path, m_root)) return path.substr(m_root == "/" ? 1 : m_root.size() + 1);
    return fs::path(path).lexically_relative(m_root).generic_string();
  }

  inline static const std::vector<std::string> k_default_doctest_glob{"test*.txt"};

  const Config& m_cfg;
  std::vector<base::CollectionError>& m_errors;
  const ConftestLoader& m_loader;
  std::string m_root;
  std::string m_arg;
  std::string m_confcutdir;
  std::vector<std::string> m_ignore, m_ignore_glob;
  std::set<std::string> m_initpaths;
  std::unordered_map<std::string, const ConftestFacts*> m_conftest_of;
  std::unordered_map<std::string, std::vector<const ConftestFacts*>> m_chains;
  std::unordered_map<const ConftestFacts*, bool> m_collects;  ///< collects(), per conftest
  std::set<std::pair<dev_t, ino_t>> m_seen_dirs;
  // One per walked file: a hash set (a tree's node per file and its compares showed at 10,000).
  std::unordered_set<std::pair<dev_t, ino_t>, FileKeyHash> m_seen_files;
  std::vector<SourceFile> m_files;
};

}  // namespace

std::vector<SourceFile> find_test_files(const Config& cfg, std::vector<base::CollectionError>& errors,
                                        const ConftestLoader& loader) {
  return Walker(cfg, errors, loader).run();
}

std::vector<SourceFile> find_test_files(const Config& cfg, std::vector<base::CollectionError>& errors) {
  std::deque<ParsedFile> parsed;
  ConftestLoader loader = [&](const SourceFile& f) -> const ConftestFacts* {
    parsed.push_back(parse_file(f, cfg));
    return parsed.back().conftest ? &*parsed.back().conftest : nullptr;
  };
  return Walker(cfg, errors, loader).run();
}

}  // namespace fastest::discovery
