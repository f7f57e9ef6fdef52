#include "app/context.h"

#include <glob.h>
#include <sched.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <system_error>
#include <unordered_set>

#include "app/pyargs.h"
#include "exec/harness.h"

namespace fastest::app {
namespace fs = std::filesystem;
namespace {

bool is_executable(const fs::path& p) { return access(p.c_str(), X_OK) == 0 && !fs::is_directory(p); }

base::Result<std::string> resolve_python(const std::string& flag) {
  std::string choice = flag;
  std::string origin = "--python";
  if (choice.empty()) {
    if (const char* e = std::getenv("FASTEST_PYTHON"); e && *e) {
      choice = e;
      origin = "FASTEST_PYTHON";
    } else if (const char* v = std::getenv("VIRTUAL_ENV"); v && *v && is_executable(fs::path(v) / "bin" / "python")) {
      return (fs::path(v) / "bin" / "python").string();
    } else {
      choice = "python3";
      origin = "PATH";
    }
  }
  if (choice.find('/') != std::string::npos) {
    if (is_executable(choice)) return choice;
    return base::make_error(base::ErrorCode::usage, origin + ": '" + choice + "' is not an executable file");
  }
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    for (std::size_t start = 0; start <= p.size();) {
      auto end = p.find(':', start);
      if (end == std::string::npos) end = p.size();
      fs::path cand = fs::path(p.substr(start, end - start)) / choice;
      if (is_executable(cand)) return cand.string();
      start = end + 1;
    }
  }
  return base::make_error(base::ErrorCode::usage, origin + ": Python interpreter '" + choice + "' not found in PATH");
}

bool dir_writable(const fs::path& dir) {
  std::error_code ec;
  for (fs::path d = dir; !d.empty(); d = d.parent_path()) {
    if (fs::exists(d, ec)) return access(d.c_str(), W_OK) == 0;
    if (d == d.parent_path()) break;
  }
  return false;
}

fs::path resolve_db(const Options& opts, const fs::path& rootdir, const fs::path& cache_root,
                    std::vector<std::string>& notes) {
  if (!opts.db.empty()) return opts.db == ":memory:" ? fs::path() : fs::absolute(opts.db);
  if (const char* e = std::getenv("FASTEST_DB"); e && *e)
    return std::string(e) == ":memory:" ? fs::path() : fs::absolute(e);
  fs::path def = rootdir / ".fastest" / "fastest.db";
  if (dir_writable(def.parent_path())) return def;
  // A read-only checkout: keep its history in the user cache, keyed by the rootdir.
  std::string key = rootdir.string();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(XXH64(key.data(), key.size(), 0)));
  fs::path alt = cache_root / "db" / (std::string(hex) + ".db");
  notes.push_back("rootdir is read-only; history database: " + alt.string());
  return alt;
}

// "tests/test_x.py::TestA::test_b" -> path part and the node-id selection.
std::pair<std::string, std::string> split_node_arg(const std::string& arg) {
  auto p = arg.find("::");
  if (p == std::string::npos) return {arg, ""};
  return {arg.substr(0, p), arg.substr(p)};
}

std::string rel_to(const fs::path& p, const fs::path& root) {
  auto rel = p.lexically_relative(root).generic_string();
  return rel == "." ? "" : rel;
}

// A boolean of the `options` object (pytest dest -> value) that has no Options field.
bool option_flag(const Options& opts, const char* dest) {
  auto j = nlohmann::json::parse(opts.options_json, nullptr, false);
  return j.is_object() && j.contains(dest) && j[dest].is_boolean() && j[dest].get<bool>();
}

// pytest 7.2: each testpaths entry is sorted(glob.iglob(entry, recursive=True)) from the
// rootdir (taken as given with --pyargs). glob(3) sorts in byte order as Python's sorted()
// does; it reads "**" as "*" (one level), the only difference.
std::vector<fs::path> expand_testpath(const fs::path& root, const std::string& entry, bool pyargs) {
  std::error_code ec;
  fs::path full = (root / entry).lexically_normal();
  if (pyargs || entry.find_first_of("*?[") == std::string::npos)
    return fs::exists(full, ec) ? std::vector<fs::path>{full} : std::vector<fs::path>{};
  std::vector<fs::path> out;
  glob_t g{};
  if (::glob(full.c_str(), 0, nullptr, &g) == 0)
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  ::globfree(&g);
  return out;
}

// The command-line options that steer collection, resolved as pytest resolves them.
void set_collection_options(const Options& opts, const RunContext& ctx, discovery::Config& d) {
  d.invocation_dir = ctx.invocation_dir;
  d.ignore = opts.ignore;
  d.ignore_glob = opts.ignore_glob;
  d.deselect = opts.deselect;
  d.doctest_modules = opts.doctest_modules;
  d.doctest_glob = opts.doctest_glob;
  d.import_mode = opts.import_mode;
  d.noconftest = opts.noconftest;
  d.collect_in_virtualenv = option_flag(opts, "collect_in_virtualenv");
  // pytest: --confcutdir relative to the cwd; without it, the inifile's directory (none: no limit).
  if (!opts.confcutdir.empty()) {
    d.confcutdir = (ctx.invocation_dir / opts.confcutdir).lexically_normal();
  } else if (!ctx.ini.inifile.empty()) {
    d.confcutdir = ctx.ini.inifile.parent_path();
  }
}

}  // namespace

base::Result<std::string> find_python(const std::string& flag) { return resolve_python(flag); }

int usable_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

std::string ini_as_json(const IniConfig& ini) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : ini.values)
    j[k] = v.size() == 1 && !ini.arrays.count(k) ? nlohmann::json(v[0]) : nlohmann::json(v);
  j["__inifile__"] = ini.inifile.string();
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

base::Result<RunContext> make_context(const Options& opts, bool need_python) {
  RunContext ctx;
  ctx.opts = opts;
  std::error_code ec;
  ctx.invocation_dir = fs::current_path(ec);
  std::vector<fs::path> abs_args;
  std::vector<std::string> selects;
  std::vector<std::string> args = opts.args;
  const bool pyargs = opts.pyargs || option_flag(opts, "pyargs");
  if (pyargs && !args.empty()) {
    auto py = resolve_python(opts.python);
    if (!py.ok()) return py.error();
    auto resolved = resolve_pyargs(py.value(), args);
    if (!resolved.ok()) return resolved.error();
    args = std::move(resolved).value();
  }
  std::unordered_set<std::string> given;
  std::vector<fs::path> plain_args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto [path, sel] = split_node_arg(a);
    // Not fs::absolute: that asks getcwd() again for every one of 10,000 node ids.
    fs::path ap = (ctx.invocation_dir / path).lexically_normal();
    if (!ap.has_filename() && ap.has_parent_path()) ap = ap.parent_path();  // "tests/" -> "tests"
    if (!sel.empty()) selects.push_back(ap.string() + sel);
    if (sel.empty()) plain_args.push_back(ap);
    // A path given again (node ids of one file) is checked and walked once.
    if (!given.insert(ap.native()).second) continue;
    if (!fs::exists(ap, ec))
      return base::make_error(base::ErrorCode::usage,
                              pyargs ? "ERROR: module or package not found: " + opts.args[i] + " (missing __init__.py?)"
                                     : "ERROR: file or directory not found: " + a);
    abs_args.push_back(ap);
  }
  fs::path override_root = opts.rootdir.empty() ? fs::path() : fs::absolute(opts.rootdir).lexically_normal();
  fs::path inifile = opts.inifile.empty() ? fs::path() : fs::absolute(opts.inifile).lexically_normal();
  std::vector<fs::path> config_args = abs_args;
  if (opts.rootdir_args) config_args.assign(opts.rootdir_args->begin(), opts.rootdir_args->end());
  auto ini = resolve_config(config_args, ctx.invocation_dir, override_root, inifile);
  if (!ini.ok()) return ini.error();
  ctx.ini = std::move(ini).value();
  if (auto st = apply_override_ini(ctx.ini, opts.override_ini); !st.ok()) return st.error();
  const fs::path& root = ctx.ini.rootdir;
  if (abs_args.empty()) {
    // pytest: testpaths apply only when run from the rootdir without arguments.
    auto testpaths = ctx.ini.list("testpaths");
    if (!testpaths.empty() && fs::equivalent(ctx.invocation_dir, root, ec))
      for (const auto& t : testpaths)
        for (const auto& match : expand_testpath(root, t, pyargs)) abs_args.push_back(match);
    if (abs_args.empty()) abs_args.push_back(ctx.invocation_dir);
    plain_args = abs_args;
  }
  for (const auto& a : plain_args) (fs::is_directory(a, ec) ? ctx.dir_args : ctx.file_args).push_back(rel_to(a, root));
  ctx.keep_duplicates = option_flag(opts, "keepduplicates");
  for (const auto& s : selects) {
    auto p = s.find("::");
    ctx.node_selects.push_back(rel_to(fs::path(s.substr(0, p)), root) + s.substr(p));
  }
  auto& d = ctx.discovery;
  d.rootdir = root;
  d.paths = abs_args;
  if (ctx.ini.has("python_files")) d.python_files = ctx.ini.list("python_files");
  if (ctx.ini.has("python_classes")) d.python_classes = ctx.ini.list("python_classes");
  if (ctx.ini.has("python_functions")) d.python_functions = ctx.ini.list("python_functions");
  if (ctx.ini.has("norecursedirs")) d.norecursedirs = ctx.ini.list("norecursedirs");
  set_collection_options(opts, ctx, d);

  if (need_python) {
    auto py = resolve_python(opts.python);
    if (!py.ok()) return py.error();
    ctx.python = py.value();
  }
  ctx.cache_root = exec::default_cache_root();
  ctx.db_path = resolve_db(opts, root, ctx.cache_root, ctx.notes);
  if (opts.pytest_cov_requested)
    ctx.notes.push_back(
        "warning: --cov (pytest-cov) writes no coverage data or report under fastest: pytest-cov measures in "
        "pytest's own run loop or through pytest-xdist's workers, neither of which fastest's workers are; "
        "run pytest for coverage");
  ctx.workers = opts.workers < 0 ? usable_cores() : std::max(1, opts.workers);
  if (opts.workers < 0 && opts.maxprocesses > 0) ctx.workers = std::min(ctx.workers, opts.maxprocesses);
  if (opts.capture != "fd" && opts.capture != "sys" && opts.capture != "no" && opts.capture != "tee-sys")
    return base::make_error(base::ErrorCode::usage, "argument --capture: invalid choice: '" + opts.capture +
                                                        "' (choose from 'fd', 'sys', 'no', 'tee-sys')");
  if (opts.import_mode != "prepend" && opts.import_mode != "append" && opts.import_mode != "importlib")
    return base::make_error(base::ErrorCode::usage, "argument --import-mode: invalid choice: '" + opts.import_mode +
                                                        "' (choose from 'prepend', 'append', 'importlib')");
  if (!opts.schedule.empty() && opts.schedule != "history" && opts.schedule != "fifo")
    return base::make_error(base::ErrorCode::usage, "argument --schedule: invalid choice: '" + opts.schedule +
                                                        "' (choose from 'history', 'fifo')");
  return ctx;
}

}  // namespace fastest::app
