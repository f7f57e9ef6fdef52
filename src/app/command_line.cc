#include "app/command_line.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <unordered_set>

#include "app/argparse.h"
#include "app/config.h"
#include "app/expression.h"
#include "app/fastest_settings.h"
#include "app/option_table.h"
#include "discovery/conftest_options.h"

namespace fastest::app {
namespace fs = std::filesystem;
using json = nlohmann::json;
namespace {

constexpr const char* k_usage = "ERROR: usage: fastest [options] [file_or_dir] [file_or_dir] [...]\nfastest: error: ";

base::Error usage(const std::string& msg) { return base::make_error(base::ErrorCode::usage, k_usage + msg); }

base::Error plain(const std::string& msg) {
  return base::make_error(base::ErrorCode::usage, msg.rfind("ERROR: ", 0) == 0 ? msg : "ERROR: " + msg);
}

/// argparse, with an error naming where the arguments came from (pytest's
/// `_config_source_hint`: " (via addopts config)", " (via PYTEST_ADDOPTS)").
base::Result<ParsedArgs> parse(const std::vector<std::string>& args, const std::vector<OptionSpec>& table,
                               const std::string& hint = "") {
  auto r = parse_args(args, table);
  if (!r.ok()) return usage(r.error().message + hint);
  return r;
}

/// The argparse namespace: every dest of `table`, defaulted, then each occurrence applied.
json make_namespace(const ParsedArgs& parsed, const std::vector<OptionSpec>& table) {
  json ns = json::object();
  for (const auto& s : table)
    if (!s.conftest && !ns.contains(s.dest)) ns[s.dest] = json::parse(s.default_json);
  auto value = [](const OptionSpec& s, const std::string& v) -> json {
    if (s.type == OptType::integer) return std::stoll(v);
    if (s.type == OptType::real) return std::stod(v);
    return v;
  };
  for (const auto& p : parsed.options) {
    const OptionSpec& s = table[p.spec];
    if (s.conftest) continue;
    json& d = ns[s.dest];
    switch (s.action) {
      case OptAction::store:
        d = p.values.empty() ? json::parse(s.const_json) : value(s, p.values[0]);
        break;
      case OptAction::append:
        if (!d.is_array()) d = json::array();
        d.push_back(value(s, p.values[0]));
        break;
      case OptAction::store_true:
        d = true;
        break;
      case OptAction::store_false:
        d = false;
        break;
      case OptAction::store_const:
        d = json::parse(s.const_json);
        break;
      case OptAction::count:
        d = (d.is_number() ? d.get<int>() : 0) + 1;
        break;
      case OptAction::quiet:
        d = (d.is_number() ? d.get<int>() : 0) - 1;
        break;
      case OptAction::help:
        d = true;
        break;
      case OptAction::version:
        d = (d.is_number() ? d.get<int>() : 0) + 1;
        break;
    }
  }
  return ns;
}

std::vector<std::string> str_list(const json& j) {
  std::vector<std::string> out;
  if (j.is_array())
    for (const auto& v : j) out.push_back(v.get<std::string>());
  return out;
}
std::string str(const json& j) { return j.is_string() ? j.get<std::string>() : ""; }

/// The initial conftests as pytest 7.2 finds them (_set_initial_conftests): for each
/// existing arg path (or the invocation dir) the conftest.py of it and its ancestors
/// from confcutdir down, and of its `test*` subdirectories.
std::vector<fs::path> initial_conftests(const std::vector<std::string>& file_or_dir, const fs::path& invocation_dir,
                                        const fs::path& confcutdir) {
  std::vector<fs::path> out;
  std::set<fs::path> seen;
  // pytest's _is_in_confcutdir: every directory but confcutdir's strict ancestors.
  auto in_confcut = [&](const fs::path& dir) {
    if (confcutdir.empty()) return true;
    auto rel = confcutdir.lexically_relative(dir);
    return rel.empty() || rel == "." || *rel.begin() == "..";
  };
  // A directory already walked adds nothing new (its whole chain is in `seen`), and each
  // argument is stat'ed once: 10,000 node ids in 500 files cost 500 walks.
  std::unordered_set<std::string> walked;
  auto from = [&](const fs::path& dir) {
    if (!walked.insert(dir.native()).second) return;
    std::vector<fs::path> chain;
    for (fs::path d = dir;; d = d.parent_path()) {
      chain.push_back(d);
      if (d == d.parent_path()) break;
    }
    std::error_code ec;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      fs::path c = *it / "conftest.py";
      if (in_confcut(*it) && fs::is_regular_file(c, ec) && seen.insert(c).second) out.push_back(c);
    }
  };
  auto try_anchor = [&](const fs::path& anchor, bool is_dir) {
    if (!is_dir) return from(anchor.parent_path());
    from(anchor);
    std::error_code ec;
    std::vector<fs::path> subs;
    for (const auto& e : fs::directory_iterator(anchor, ec))
      if (e.is_directory(ec) && e.path().filename().string().rfind("test", 0) == 0) subs.push_back(e.path());
    std::sort(subs.begin(), subs.end());
    for (const auto& sub : subs) from(sub);
  };
  bool found = false;
  std::unordered_set<std::string> anchors;
  for (const auto& a : file_or_dir) {
    fs::path anchor = (invocation_dir / a.substr(0, a.find("::"))).lexically_normal();
    if (anchor.has_filename() == false && anchor.has_parent_path()) anchor = anchor.parent_path();
    if (!anchors.insert(anchor.native()).second) continue;
    std::error_code ec;
    auto st = fs::status(anchor, ec);
    if (fs::exists(st)) {
      try_anchor(anchor, fs::is_directory(st));
      found = true;
    }
  }
  if (!found) try_anchor(invocation_dir, true);
  return out;
}

/// Where `import NAME` may find a plugin module named by `-p` or `pytest_plugins`: the
/// invocation dir, the rootdir, the ini `pythonpath`, `PYTHONPATH` (a plugin project run
/// with `PYTHONPATH=. pytest -p myplugin --myopt`), and each conftest's import root (its
/// first ancestor without __init__.py, which prepend mode puts on sys.path).
std::vector<fs::path> plugin_search_dirs(const IniConfig& ini, const fs::path& invocation_dir,
                                         const std::vector<fs::path>& conftests, const GetEnv& env) {
  std::vector<fs::path> dirs{invocation_dir, ini.rootdir};
  fs::path base = ini.inifile.empty() ? ini.rootdir : ini.inifile.parent_path();
  for (const auto& p : ini.list("pythonpath")) dirs.push_back((base / p).lexically_normal());
  if (auto pp = env("PYTHONPATH")) {
    std::stringstream parts(*pp);
    for (std::string d; std::getline(parts, d, ':');)
      if (!d.empty()) dirs.push_back((invocation_dir / d).lexically_normal());
  }
  std::error_code ec;
  for (const auto& c : conftests) {
    fs::path d = c.parent_path();
    while (fs::exists(d / "__init__.py", ec) && d != d.parent_path()) d = d.parent_path();
    dirs.push_back(d);
  }
  return dirs;
}

std::optional<fs::path> find_module(const std::string& name, const std::vector<fs::path>& dirs) {
  std::string rel = name;
  std::replace(rel.begin(), rel.end(), '.', '/');
  std::error_code ec;
  for (const auto& d : dirs) {
    if (fs::is_regular_file(d / (rel + ".py"), ec)) return d / (rel + ".py");
    if (fs::is_regular_file(d / rel / "__init__.py", ec)) return d / rel / "__init__.py";
  }
  return std::nullopt;
}

/// The options of pytest's builtin plugins that are not loaded by default, as their
/// pytest_addoption registers them (pytester: the same from pytest 7.0 to 8.x). `-p
/// pytester` imports `_pytest.pytester`, never a module of that name on the path.
bool add_builtin_plugin_options(const std::string& name, std::vector<OptionSpec>& table,
                                std::set<std::string>& ini_names) {
  if (name == "pytester_assertions" || name == "_pytest.pytester_assertions") return true;
  if (name != "pytester" && name != "_pytest.pytester") return false;
  const std::string help = "(from pytester.py)";
  table.push_back({.names = {"--lsof"}, .action = OptAction::store_true, .help = help, .conftest = true});
  table.push_back({.names = {"--runpytest"}, .choices = {"inprocess", "subprocess"}, .help = help, .conftest = true});
  ini_names.insert("pytester_example_dir");
  return true;
}

/// Options the initial conftests and the plugin modules they or `-p` name add, as table
/// rows (marked `conftest`). Installed (entry-point) plugins are not scanned.
void add_plugin_options(std::vector<fs::path> files, std::vector<std::string> names,
                        const std::vector<fs::path>& search_dirs, std::vector<OptionSpec>& table,
                        std::set<std::string>& ini_names) {
  std::set<fs::path> seen;
  std::set<std::string> seen_names;
  while (!files.empty() || !names.empty()) {
    if (files.empty()) {
      std::string name = names.back();
      names.pop_back();
      if (!seen_names.insert(name).second) continue;
      if (add_builtin_plugin_options(name, table, ini_names)) continue;
      if (auto f = find_module(name, search_dirs)) files.push_back(*f);
      continue;
    }
    fs::path path = files.back();
    files.pop_back();
    if (!seen.insert(path).second) continue;
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto scanned = discovery::scan_conftest_options(ss.str());
    for (auto& o : scanned.options) {
      OptionSpec s{.names = o.names, .dest = "", .help = "(from " + path.filename().string() + ")"};
      s.action = o.nargs == "0" ? OptAction::store_true : OptAction::store;
      s.nargs = o.nargs == "0" ? "" : o.nargs;
      s.conftest = true;
      table.push_back(std::move(s));
    }
    ini_names.insert(scanned.ini_names.begin(), scanned.ini_names.end());
    names.insert(names.end(), scanned.pytest_plugins.begin(), scanned.pytest_plugins.end());
  }
}

/// Every conftest.py under `root`, skipping pytest's default norecursedirs ('*.egg', '.*',
/// '_darcs', 'build', 'CVS', 'dist', 'node_modules', 'venv', '{arch}') and virtualenvs.
std::vector<fs::path> conftests_below(const fs::path& root) {
  static const std::set<std::string> skipped = {"_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}"};
  std::vector<fs::path> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    const std::string name = p.filename().string();
    if (it->is_directory(ec)) {
      bool egg = name.size() > 4 && name.compare(name.size() - 4, 4, ".egg") == 0;
      if (name[0] == '.' || egg || skipped.count(name) || fs::exists(p / "pyvenv.cfg", ec))
        it.disable_recursion_pending();
    } else if (name == "conftest.py") {
      out.push_back(p);
    }
  }
  return out;
}

bool named(const std::vector<std::string>& plugin_opts, const std::string& v) {
  return std::find(plugin_opts.begin(), plugin_opts.end(), v) != plugin_opts.end();
}

/// pytest's rule for an installed plugin: autoloaded unless autoload is disabled (then only
/// when `-p NAME` names it), never when `-p no:NAME` blocks it.
bool autoloads(const PluginFile& p, const std::vector<std::string>& plugin_opts, bool autoload_disabled) {
  return (!autoload_disabled || named(plugin_opts, p.entry_point)) && !named(plugin_opts, "no:" + p.entry_point);
}

/// The installed plugins pytest would load.
std::vector<fs::path> autoloaded_plugin_files(const std::vector<PluginFile>& installed,
                                              const std::vector<std::string>& plugin_opts, bool autoload_disabled) {
  std::vector<fs::path> files;
  for (const auto& p : installed)
    if (autoloads(p, plugin_opts, autoload_disabled) && !p.file.empty()) files.push_back(p.file);
  return files;
}

/// Whether the installed plugin registered as `entry_point` loads in the workers, or `-p`
/// names its module (`-p no:` of either name blocks both, as pytest blocks "pytest_" + NAME).
bool plugin_loads(const std::vector<PluginFile>& installed, const std::vector<std::string>& plugin_opts,
                  bool autoload_disabled, const std::string& entry_point, const std::string& module) {
  if (named(plugin_opts, "no:" + entry_point) || named(plugin_opts, "no:" + module)) return false;
  if (named(plugin_opts, module)) return true;
  return std::any_of(installed.begin(), installed.end(), [&](const PluginFile& p) {
    return p.entry_point == entry_point && autoloads(p, plugin_opts, autoload_disabled);
  });
}

/// The arguments for the workers: everything but fastest's own options.
std::vector<std::string> strip_fastest_only(const std::vector<std::string>& args, const ParsedArgs& parsed,
                                            const std::vector<OptionSpec>& table) {
  std::vector<bool> drop(args.size(), false);
  std::map<std::size_t, std::string> rewritten;
  for (std::size_t i = 0; i < parsed.options.size();) {
    std::size_t j = i;
    bool any_own = false;
    while (j < parsed.options.size() && parsed.options[j].first_arg == parsed.options[i].first_arg) {
      any_own = any_own || table[parsed.options[j].spec].fastest_only;
      ++j;
    }
    const auto& first = parsed.options[i];
    if (any_own) {
      // A cluster like "-vn2": keep the pytest letters ("-v").
      std::string kept;
      for (std::size_t k = i; k < j; ++k) {
        const auto& p = parsed.options[k];
        if (table[p.spec].fastest_only) continue;
        kept += p.option_string.substr(1);
        if (!p.values.empty() && p.end_arg == p.first_arg + 1) kept += p.values[0];
      }
      for (std::size_t a = first.first_arg; a < first.end_arg; ++a) drop[a] = true;
      if (!kept.empty()) rewritten[first.first_arg] = "-" + kept;
    }
    i = j;
  }
  std::vector<std::string> out;
  for (std::size_t a = 0; a < args.size(); ++a) {
    if (auto it = rewritten.find(a); it != rewritten.end()) out.push_back(it->second);
    if (!drop[a]) out.push_back(args[a]);
  }
  return out;
}

/// Options from the namespace (pytest dests) and fastest's own options.
base::Status fill_options(const json& ns, Options& o) {
  o.keyword = str(ns["keyword"]);
  o.markexpr = str(ns["markexpr"]);
  o.maxfail = ns["maxfail"].get<int>();
  o.last_failed = ns["lf"].get<bool>();
  o.failed_first = ns["failedfirst"].get<bool>();
  o.verbose = ns["verbose"].get<int>();
  o.collect_only = ns["collectonly"].get<bool>();
  o.junitxml = str(ns["xmlpath"]);
  o.capture = str(ns["capture"]);
  o.import_mode = str(ns["importmode"]);
  o.rootdir = str(ns["rootdir"]);
  o.report_chars = str(ns["reportchars"]);
  o.continue_on_collection_errors = ns["continue_on_collection_errors"].get<bool>();
  o.durations = ns["durations"].is_number() ? std::max(0, ns["durations"].get<int>()) : -1;
  o.durations_min = ns["durations_min"].get<double>();
  o.ignore = str_list(ns["ignore"]);
  o.ignore_glob = str_list(ns["ignore_glob"]);
  o.deselect = str_list(ns["deselect"]);
  o.plugins = str_list(ns["plugins"]);
  o.pythonwarnings = str_list(ns["pythonwarnings"]);
  o.override_ini = str_list(ns["override_ini"]);
  o.doctest_modules = ns["doctestmodules"].get<bool>();
  o.doctest_glob = str_list(ns["doctestglob"]);
  o.doctest_continue_on_failure = ns["doctest_continue_on_failure"].get<bool>();
  o.confcutdir = str(ns["confcutdir"]);
  o.noconftest = ns["noconftest"].get<bool>();
  o.tbstyle = str(ns["tbstyle"]);
  o.showlocals = ns["showlocals"].get<bool>();
  o.fulltrace = ns["fulltrace"].get<bool>();
  o.strict_markers = ns["strict_markers"].get<bool>() || ns["strict"].get<bool>();
  o.strict_config = ns["strict_config"].get<bool>();
  o.runxfail = ns["runxfail"].get<bool>();
  o.new_first = ns["newfirst"].get<bool>();
  o.stepwise = ns["stepwise"].get<bool>() || ns["stepwise_skip"].get<bool>();
  o.cache_clear = ns["cacheclear"].get<bool>();
  o.no_header = ns["no_header"].get<bool>();
  o.no_summary = ns["no_summary"].get<bool>();
  o.color = str(ns["color"]);
  o.show_capture = str(ns["showcapture"]);
  o.show_fixtures = ns["showfixtures"].get<bool>();
  o.show_markers = ns["markers"].get<bool>();
  o.setup_show = ns["setupshow"].get<bool>();
  o.basetemp = str(ns["basetemp"]);
  o.inifile = str(ns["inifilename"]);
  o.python = str(ns["python"]);
  o.db = str(ns["db"]);
  o.schedule = str(ns["schedule"]);
  o.dist = str(ns["dist"]);
  o.shard = str(ns["shard"]);
  o.static_collect = ns["static"].get<bool>();
  o.timings = ns["timings"].get<bool>();
  if (ns["engine"].is_string()) o.engine = ns["engine"].get<std::string>();
  if (ns["progress"].is_string()) o.progress = ns["progress"].get<std::string>();
  o.json_path = str(ns["json"]);
  o.timeout_s = ns["timeout"].is_number() ? ns["timeout"].get<double>() : 0;
  if (ns["reruns"].is_number()) o.reruns = ns["reruns"].get<int>();
  if (ns["reruns_delay"].is_number()) o.reruns_delay = ns["reruns_delay"].get<double>();
  if (o.reruns < 0) return usage("argument --reruns: must be at least 0");
  if (o.reruns_delay < 0) return usage("argument --reruns-delay: must be at least 0");
  o.flaky_fails = ns["flaky_fails"].get<bool>();
  o.quarantine = ns["quarantine"].get<bool>();
  o.maxprocesses = ns["maxprocesses"].is_number() ? ns["maxprocesses"].get<int>() : 0;
  if (ns["numprocesses"].is_string()) {
    std::string v = ns["numprocesses"].get<std::string>();
    auto w = parse_worker_count(v);
    if (!w) return usage("argument -n/--numprocesses: invalid parse_numprocesses value: '" + v + "'");
    o.workers = *w;
  }
  return base::ok_status();
}

/// Which fastest-only settings the command line gave (they outrank env and pyproject).
std::set<std::string> given_dests(const ParsedArgs& parsed, const std::vector<OptionSpec>& table) {
  std::set<std::string> out;
  for (const auto& p : parsed.options) out.insert(table[p.spec].dest);
  return out;
}

base::Status check_refused(const ParsedArgs& parsed, const std::vector<OptionSpec>& table) {
  for (const auto& p : parsed.options) {
    const OptionSpec& s = table[p.spec];
    if (s.status == OptStatus::refused) return plain(p.option_string + " is not supported by fastest: " + s.note);
  }
  return base::ok_status();
}

/// pytest's known ini names (7.2 core and built-in plugins, pytest-xdist's, pytest-timeout's).
const std::set<std::string>& builtin_ini_names() {
  static const std::set<std::string> names = {"addopts",
                                              "cache_dir",
                                              "console_output_style",
                                              "disable_test_id_escaping_and_forfeit_all_rights_to_community_support",
                                              "doctest_encoding",
                                              "doctest_optionflags",
                                              "empty_parameter_set_mark",
                                              "enable_assertion_pass_hook",
                                              "faulthandler_timeout",
                                              "filterwarnings",
                                              "junit_duration_report",
                                              "junit_family",
                                              "junit_log_passing_tests",
                                              "junit_logging",
                                              "junit_suite_name",
                                              "log_auto_indent",
                                              "log_cli",
                                              "log_cli_date_format",
                                              "log_cli_format",
                                              "log_cli_level",
                                              "log_date_format",
                                              "log_file",
                                              "log_file_date_format",
                                              "log_file_format",
                                              "log_file_level",
                                              "log_format",
                                              "log_level",
                                              "markers",
                                              "minversion",
                                              "norecursedirs",
                                              "python_classes",
                                              "python_files",
                                              "python_functions",
                                              "pythonpath",
                                              "required_plugins",
                                              "testpaths",
                                              "usefixtures",
                                              "xfail_strict",
                                              "rsyncdirs",
                                              "rsyncignore",
                                              "looponfailroots",
                                              "timeout",
                                              "timeout_method",
                                              "timeout_func_only"};
  return names;
}

/// The first ini key neither pytest nor a scanned conftest/plugin registered.
std::optional<std::string> unknown_ini_key(const IniConfig& ini, const std::set<std::string>& registered) {
  for (const auto& [key, v] : ini.values)
    if (!builtin_ini_names().count(key) && !registered.count(key)) return key;
  return std::nullopt;
}

/// PYTEST_ADDOPTS + argv: rootdir and the ini file (pytest's _initini), then addopts.
struct Expanded {
  std::vector<std::string> args;  ///< ini addopts + PYTEST_ADDOPTS + argv
  IniConfig ini;
  std::vector<std::string> override_ini;
  std::vector<std::string> rootdir_args;  ///< the paths rootdir was determined from
};

base::Result<Expanded> expand(const std::vector<std::string>& argv, const fs::path& invocation_dir, const GetEnv& env) {
  Expanded ex;
  const auto& table = option_table();
  std::vector<std::string> env_args;
  if (auto v = env("PYTEST_ADDOPTS"); v && !v->empty()) {
    auto words = shlex_split(*v);
    if (!words.ok()) return plain("PYTEST_ADDOPTS: " + words.error().message);
    env_args = std::move(words).value();
    if (auto st = parse(env_args, table, " (via PYTEST_ADDOPTS)"); !st.ok()) return st.error();
  }
  ex.args = env_args;
  ex.args.insert(ex.args.end(), argv.begin(), argv.end());
  auto pre = parse(ex.args, table);
  if (!pre.ok()) return pre.error();
  json ns = make_namespace(pre.value(), table);
  std::vector<fs::path> paths;
  auto candidates = pre.value().file_or_dir;
  candidates.insert(candidates.end(), pre.value().unrecognized.begin(), pre.value().unrecognized.end());
  std::unordered_set<std::string> checked;  // node ids of one file: one stat
  for (const auto& a : candidates) {
    if (a.empty() || a[0] == '-') continue;
    fs::path p = (invocation_dir / a.substr(0, a.find("::"))).lexically_normal();
    if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();
    if (!checked.insert(p.native()).second) continue;
    std::error_code ec;
    if (fs::exists(p, ec)) {
      paths.push_back(p);
      ex.rootdir_args.push_back(p.string());
    }
  }
  fs::path rootdir = str(ns["rootdir"]).empty() ? fs::path() : (invocation_dir / str(ns["rootdir"])).lexically_normal();
  fs::path inifile =
      str(ns["inifilename"]).empty() ? fs::path() : (invocation_dir / str(ns["inifilename"])).lexically_normal();
  auto ini = resolve_config(paths, invocation_dir, rootdir, inifile);
  if (!ini.ok()) return plain(ini.error().message);
  ex.ini = std::move(ini).value();
  ex.override_ini = str_list(ns["override_ini"]);
  if (auto st = apply_override_ini(ex.ini, ex.override_ini); !st.ok()) return plain(st.error().message);
  auto addopts = ex.ini.addopts();
  if (!addopts.ok()) return plain(addopts.error().message);
  if (!addopts.value().empty()) {
    if (auto st = parse(addopts.value(), table, " (via addopts config)"); !st.ok()) return st.error();
    ex.args.insert(ex.args.begin(), addopts.value().begin(), addopts.value().end());
  }
  return ex;
}

}  // namespace

GetEnv process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
}

base::Result<CommandLine> parse_command_line(const std::vector<std::string>& argv, const fs::path& invocation_dir,
                                             const GetEnv& env, const InstalledPlugins& installed) {
  auto ex = expand(argv, invocation_dir, env);
  if (!ex.ok()) return ex.error();
  std::vector<OptionSpec> table = option_table();
  auto known = parse(ex->args, table);
  if (!known.ok()) return known.error();
  json ns0 = make_namespace(known.value(), table);
  std::set<std::string> conftest_ini;
  std::vector<fs::path> conftests;
  if (!ns0["noconftest"].get<bool>()) {
    // pytest 7.2's default confcutdir: the ini file's directory, else none (every
    // directory up to / may hold a conftest pytest loads).
    fs::path confcutdir = str(ns0["confcutdir"]).empty()
                              ? (ex->ini.inifile.empty() ? fs::path() : ex->ini.inifile.parent_path())
                              : (invocation_dir / str(ns0["confcutdir"])).lexically_normal();
    conftests = initial_conftests(known.value().file_or_dir, invocation_dir, confcutdir);
  }
  std::vector<std::string> plugin_names;
  for (const auto& p : str_list(ns0["plugins"]))
    if (p.rfind("no:", 0) != 0) plugin_names.push_back(p);
  add_plugin_options(conftests, plugin_names, plugin_search_dirs(ex->ini, invocation_dir, conftests, env), table,
                     conftest_ini);
  auto parsed = parse(ex->args, table);
  if (!parsed.ok()) return parsed.error();
  json ns = make_namespace(parsed.value(), table);
  bool strict_config = ns["strict_config"].get<bool>();
  if (installed && (parsed.value().has_unknown_option() || (strict_config && unknown_ini_key(ex->ini, conftest_ini)))) {
    // Only now pay for the interpreter's entry points: an installed plugin may own them.
    Options scratch;
    scratch.python = str(ns["python"]);
    (void)apply_fastest_settings(scratch, given_dests(parsed.value(), table), ex->ini.rootdir, env);
    auto files = autoloaded_plugin_files(installed(scratch.python), str_list(ns0["plugins"]),
                                         env("PYTEST_DISABLE_PLUGIN_AUTOLOAD").has_value());
    add_plugin_options(files, {}, {}, table, conftest_ini);
    parsed = parse(ex->args, table);
    if (!parsed.ok()) return parsed.error();
    ns = make_namespace(parsed.value(), table);
  }
  CommandLine cl;
  if (ns["help"].get<bool>()) {
    cl.kind = CommandLine::Kind::help;
    cl.text = help_text(table);
    return cl;
  }
  if (ns["version"].get<int>() > 0) {
    cl.kind = CommandLine::Kind::version;
    cl.text = "fastest 0.1.0\n";
    return cl;
  }
  if (parsed.value().has_unknown_option()) {
    std::string list;
    for (const auto& u : parsed.value().unrecognized) list += (list.empty() ? "" : " ") + u;
    return usage("unrecognized arguments: " + list +
                 "\n  inifile: " + (ex->ini.inifile.empty() ? "None" : ex->ini.inifile.string()) +
                 "\n  rootdir: " + ex->ini.rootdir.string());
  }
  if (auto st = check_refused(parsed.value(), table); !st.ok()) return st.error();
  Options& o = cl.options;
  o.argv = argv;
  o.args = parsed.value().file_or_dir;
  if (auto st = fill_options(ns, o); !st.ok()) return st.error();
  o.override_ini = ex->override_ini;
  o.rootdir_args = ex->rootdir_args;
  if (auto sel = StaticSelection::make(o.keyword, o.markexpr); !sel.ok()) return sel.error();
  if (strict_config && unknown_ini_key(ex->ini, conftest_ini)) {
    // pytest validates after collection, when every conftest below the arguments has
    // registered its ini names: scan those too before refusing.
    add_plugin_options(conftests_below(ex->ini.rootdir), {}, {}, table, conftest_ini);
    if (auto key = unknown_ini_key(ex->ini, conftest_ini)) return plain("Unknown config option: " + *key + "\n");
  }
  if (auto st = apply_fastest_settings(o, given_dests(parsed.value(), table), ex->ini.rootdir, env, &ex->ini); !st.ok())
    return plain(st.error().message);
  o.expanded_args = strip_fastest_only(ex->args, parsed.value(), table);
  // Options an installed plugin owns when it loads in the pytest engine's workers.
  auto loads = [&](const char* entry_point, const char* module) {
    return installed && plugin_loads(installed(o.python), str_list(ns["plugins"]),
                                     env("PYTEST_DISABLE_PLUGIN_AUTOLOAD").has_value(), entry_point, module);
  };
  if (ns["timeout"].is_number() && loads("timeout", "pytest_timeout"))
    o.plugin_timeout_arg = "--timeout=" + ns["timeout"].dump();
  if (o.reruns > 0) o.rerunfailures_loads = loads("rerunfailures", "pytest_rerunfailures");
  // pytest-cov's options are its own (they reach the workers as given): --cov[=SOURCE], --no-cov.
  const auto& given = o.expanded_args;
  auto cov = [](const std::string& x) { return x == "--cov" || x.starts_with("--cov="); };
  if (std::any_of(given.begin(), given.end(), cov) && std::find(given.begin(), given.end(), "--no-cov") == given.end())
    o.pytest_cov_requested = loads("pytest_cov", "pytest_cov");
  json options = json::object();
  for (const auto& s : table)
    if (!s.conftest && !s.fastest_only) options[s.dest] = ns[s.dest];
  options["file_or_dir"] = o.args;
  o.options_json = options.dump(-1, ' ', false, json::error_handler_t::replace);
  return cl;
}

}  // namespace fastest::app
