#include "app/config.h"

#include <toml++/toml.h>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace fastest::app {
namespace fs = std::filesystem;
namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::optional<std::string> read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Options pytest reads as one entry per line rather than whitespace-split words.
bool is_linelist(const std::string& key) {
  return key == "markers" || key == "filterwarnings" || key == "usefixtures" || key == "required_plugins";
}

fs::path common_ancestor(const std::vector<fs::path>& paths, const fs::path& fallback) {
  if (paths.empty()) return fallback;
  auto dir_of = [](const fs::path& p) { return fs::is_directory(p) ? p : p.parent_path(); };
  fs::path common = dir_of(paths[0]);
  for (std::size_t i = 1; i < paths.size(); ++i) {
    fs::path d = dir_of(paths[i]);
    fs::path out;
    auto a = common.begin();
    auto b = d.begin();
    for (; a != common.end() && b != d.end() && *a == *b; ++a, ++b) out /= *a;
    common = out;
  }
  return common.empty() ? fs::path("/") : common;
}

base::Error toml_error(const fs::path& p, const toml::parse_error& e) {
  // pytest: "<file>: <tomllib message> (at line L, column C)".
  return base::make_error(base::ErrorCode::usage, p.string() + ": " + std::string(e.description()) + " (at line " +
                                                      std::to_string(e.source().begin.line) + ", column " +
                                                      std::to_string(e.source().begin.column) + ")");
}

/// A TOML scalar as pytest 7.2 gives it (load_config_dict_from_file: `str(v)` of what
/// tomllib read, so `true` is "True", `3` is "3", `1.5` is "1.5"); nullopt for a table.
std::optional<std::string> toml_scalar_text(const toml::node& v) {
  if (auto s = v.value_exact<std::string>()) return *s;
  if (auto b = v.value_exact<bool>()) return std::string(*b ? "True" : "False");
  if (auto i = v.value_exact<std::int64_t>()) return std::to_string(*i);
  if (auto d = v.value_exact<double>()) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, *d);
    std::string text(buf, res.ptr);
    // Python's repr of a float always shows it is one.
    if (text.find_first_of(".en") == std::string::npos) text += ".0";
    return text;
  }
  return std::nullopt;
}

void read_toml_options(const toml::table& opts, IniConfig& cfg) {
  for (auto& [k, v] : opts) {
    std::string key(k.str());
    auto& out = cfg.values[key];
    if (auto* arr = v.as_array()) {
      cfg.arrays.insert(key);
      for (auto& el : *arr)
        if (auto s = toml_scalar_text(el)) out.push_back(std::move(*s));
    } else if (auto s = toml_scalar_text(v)) {
      out.push_back(std::move(*s));
    }
  }
}

/// pytest's load_config_dict_from_file: nullopt when the file is not a pytest config.
/// `explicit_file` (-c): an ini file without a [pytest] section still counts.
base::Result<std::optional<IniConfig>> load_config_file(const fs::path& p, bool explicit_file) {
  auto text = read_text(p);
  if (!text) {
    if (explicit_file) return base::make_error(base::ErrorCode::usage, "ERROR: -c: cannot read '" + p.string() + "'");
    return std::optional<IniConfig>();
  }
  IniConfig cfg;
  cfg.rootdir = p.parent_path();
  cfg.inifile = p;
  if (p.extension() == ".toml") {
    toml::table tbl;
    try {
      tbl = toml::parse(*text, p.string());
    } catch (const toml::parse_error& e) {
      return toml_error(p, e);
    }
    auto* opts = tbl["tool"]["pytest"]["ini_options"].as_table();
    if (!opts) return explicit_file ? std::optional<IniConfig>(std::move(cfg)) : std::optional<IniConfig>();
    read_toml_options(*opts, cfg);
    return std::optional<IniConfig>(std::move(cfg));
  }
  auto sections = parse_ini(*text, p.string());
  if (!sections.ok()) return sections.error();
  bool cfg_file = p.extension() == ".cfg";
  auto it = sections.value().find(cfg_file ? "tool:pytest" : "pytest");
  if (cfg_file && it == sections.value().end() && sections.value().count("pytest"))
    return base::make_error(base::ErrorCode::usage,
                            "[pytest] section in setup.cfg files is no longer supported, "
                            "change to [tool:pytest] instead.");
  if (it == sections.value().end()) {
    // pytest.ini is the ini file even without a [pytest] section.
    if (explicit_file || p.filename() == "pytest.ini") return std::optional<IniConfig>(std::move(cfg));
    return std::optional<IniConfig>();
  }
  for (const auto& [k, v] : it->second) cfg.values[k] = {v};
  return std::optional<IniConfig>(std::move(cfg));
}

base::Result<std::optional<IniConfig>> try_inifile(const fs::path& dir, const std::string& name) {
  fs::path p = dir / name;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::optional<IniConfig>();
  return load_config_file(p, false);
}

}  // namespace

std::vector<std::string> IniConfig::list(const std::string& key) const {
  std::vector<std::string> out;
  auto it = values.find(key);
  if (it == values.end()) return out;
  if (arrays.count(key)) return it->second;
  for (const auto& v : it->second) {
    if (is_linelist(key)) {
      std::istringstream ss(v);
      std::string piece;
      while (std::getline(ss, piece))
        if (!trim(piece).empty()) out.push_back(trim(piece));
    } else if (auto words = shlex_split(v); words.ok()) {
      out.insert(out.end(), words.value().begin(), words.value().end());
    }
  }
  return out;
}

base::Result<std::vector<std::string>> IniConfig::addopts() const {
  auto it = values.find("addopts");
  if (it == values.end()) return std::vector<std::string>{};
  if (arrays.count("addopts")) return it->second;
  std::vector<std::string> out;
  for (const auto& v : it->second) {
    auto words = shlex_split(v);
    if (!words.ok())
      return base::make_error(base::ErrorCode::usage, inifile.string() + ": addopts: " + words.error().message);
    out.insert(out.end(), words.value().begin(), words.value().end());
  }
  return out;
}

base::Status apply_override_ini(IniConfig& ini, const std::vector<std::string>& overrides) {
  for (const auto& o : overrides) {
    auto eq = o.find('=');
    if (eq == std::string::npos)
      return base::make_error(base::ErrorCode::usage,
                              "ERROR: -o/--override-ini expects option=value style (got: '" + o + "').");
    std::string key = o.substr(0, eq);
    ini.values[key] = {o.substr(eq + 1)};
    ini.arrays.erase(key);
  }
  return base::ok_status();
}

base::Result<std::vector<std::string>> shlex_split(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  bool in_token = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_token) out.push_back(std::move(cur));
      cur.clear();
      in_token = false;
    } else if (c == '\\') {
      if (++i == text.size()) return base::make_error(base::ErrorCode::usage, "No escaped character");
      cur += text[i];
      in_token = true;
    } else if (c == '\'' || c == '"') {
      in_token = true;
      for (++i;; ++i) {
        if (i >= text.size()) return base::make_error(base::ErrorCode::usage, "No closing quotation");
        if (text[i] == c) break;
        // Inside double quotes a backslash escapes only '"' and '\\' (shlex's escapedquotes).
        if (c == '"' && text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) ++i;
        cur += text[i];
      }
    } else {
      cur += c;
      in_token = true;
    }
  }
  if (in_token) out.push_back(std::move(cur));
  return out;
}

base::Result<IniSections> parse_ini(const std::string& text, const std::string& filename) {
  // iniconfig's rules, including its messages; line numbers are 1-based.
  struct Entry {
    int line;
    std::string section;
    std::optional<std::string> name, value;
  };
  std::vector<Entry> entries;
  std::optional<std::string> section;
  std::istringstream in(text);
  std::string line;
  auto fail = [&](int lineno, const std::string& msg) {
    return base::make_error(base::ErrorCode::usage, filename + ":" + std::to_string(lineno) + ": " + msg);
  };
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    std::string lt = line.substr(std::min(line.size(), line.find_first_not_of(" \t\r\f\v")));
    if (lt.empty() || lt[0] == '#' || lt[0] == ';') continue;
    auto end = line.find_last_not_of(" \t\r\n\f\v");
    line = line.substr(0, end + 1);
    if (line[0] == '[') {
      std::string head = line.substr(0, line.find_first_of("#;"));
      head = head.substr(0, head.find_last_not_of(" \t\r\f\v") + 1);
      if (!head.empty() && head.back() == ']') {
        section = head.substr(1, head.size() - 2);
        if (section->empty()) return fail(lineno, "empty section name");
        entries.push_back({lineno, *section, std::nullopt, std::nullopt});
        continue;
      }
      line = " " + trim(line);  // iniconfig treats it as a continuation
    }
    if (!std::isspace(static_cast<unsigned char>(line[0]))) {
      auto eq = line.find('=');
      if (eq == std::string::npos || line.substr(0, eq).find(':') != std::string::npos) eq = line.find(':');
      if (eq == std::string::npos) return fail(lineno, "unexpected line: '" + line + "'");
      if (!section) return fail(lineno, "no section header defined");
      entries.push_back({lineno, *section, trim(line.substr(0, eq)), trim(line.substr(eq + 1))});
      continue;
    }
    if (entries.empty() || !entries.back().name) return fail(lineno, "unexpected value continuation");
    auto& last = *entries.back().value;
    last = last.empty() ? trim(line) : last + "\n" + trim(line);
  }
  IniSections out;
  for (const auto& e : entries) {
    if (!e.name) {
      if (out.count(e.section)) return fail(e.line, "duplicate section '" + e.section + "'");
      out[e.section];
    } else if (!out[e.section].emplace(*e.name, *e.value).second) {
      return fail(e.line, "duplicate name '" + *e.name + "'");
    }
  }
  return out;
}

namespace {

/// pytest's locate_config: the first ini file in `dirs` and their parents.
base::Result<std::optional<IniConfig>> locate_config(const std::vector<fs::path>& dirs) {
  static const char* k_names[] = {"pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg"};
  for (const auto& start : dirs) {
    for (fs::path dir = start;; dir = dir.parent_path()) {
      for (const char* name : k_names) {
        auto found = try_inifile(dir, name);
        if (!found.ok() || found.value()) return found;
      }
      if (dir == dir.parent_path()) break;
    }
  }
  return std::optional<IniConfig>();
}

std::optional<fs::path> find_setup_py(const fs::path& ancestor) {
  for (fs::path dir = ancestor;; dir = dir.parent_path()) {
    std::error_code ec;
    if (fs::is_regular_file(dir / "setup.py", ec)) return dir;
    if (dir == dir.parent_path()) return std::nullopt;
  }
}

base::Status check_rootdir(const fs::path& rootdir) {
  std::error_code ec;
  if (!fs::is_directory(rootdir, ec))
    return base::make_error(base::ErrorCode::usage,
                            "ERROR: Directory '" + rootdir.string() + "' not found. Check your '--rootdir' option.");
  return base::ok_status();
}

/// -c FILE: that file is the config; rootdir is its directory unless --rootdir says.
base::Result<IniConfig> resolve_explicit(const fs::path& inifile, const fs::path& rootdir_override) {
  auto found = load_config_file(inifile, true);
  if (!found.ok()) return found.error();
  IniConfig cfg = std::move(*found.value());
  if (!rootdir_override.empty()) {
    if (auto st = check_rootdir(rootdir_override); !st.ok()) return st.error();
    cfg.rootdir = rootdir_override;
  }
  return cfg;
}

}  // namespace

base::Result<IniConfig> resolve_config(const std::vector<fs::path>& args, const fs::path& invocation_dir,
                                       const fs::path& rootdir_override, const fs::path& inifile) {
  if (!inifile.empty()) return resolve_explicit(inifile, rootdir_override);
  // pytest's determine_setup (7.x), step by step.
  std::vector<fs::path> dirs;
  // One stat per argument and each directory once: 10,000 node ids of 500 files (the
  // Python API passes them) ask the ancestors of 500 directories, not of 10,000.
  std::unordered_set<std::string> seen, seen_args;
  for (const auto& a : args) {
    if (!seen_args.insert(a.native()).second) continue;
    std::error_code ec;
    auto st = fs::status(a, ec);
    if (!fs::exists(st)) continue;
    fs::path d = fs::is_directory(st) ? a : a.parent_path();
    if (seen.insert(d.native()).second) dirs.push_back(std::move(d));
  }
  if (dirs.empty()) dirs.push_back(invocation_dir);
  fs::path ancestor = common_ancestor(dirs, invocation_dir);
  auto found = locate_config({ancestor});
  if (!found.ok()) return found.error();
  if (!found.value() && rootdir_override.empty()) {
    if (auto setup = find_setup_py(ancestor)) {
      IniConfig cfg;
      cfg.rootdir = *setup;
      found = std::optional<IniConfig>(std::move(cfg));
    } else {
      if (dirs.size() > 1 || dirs[0] != ancestor) found = locate_config(dirs);
      if (!found.ok()) return found.error();
      if (!found.value()) {
        // No ini file anywhere: the common ancestor with the invocation directory,
        // unless that is the filesystem root.
        IniConfig cfg;
        cfg.rootdir = common_ancestor({invocation_dir, ancestor}, invocation_dir);
        if (cfg.rootdir == cfg.rootdir.root_path()) cfg.rootdir = ancestor;
        found = std::optional<IniConfig>(std::move(cfg));
      }
    }
  }
  IniConfig result = found.value() ? std::move(*found.value()) : IniConfig{};
  if (!rootdir_override.empty()) {
    if (auto st = check_rootdir(rootdir_override); !st.ok()) return st.error();
    result.rootdir = rootdir_override;
  }
  if (result.rootdir.empty()) result.rootdir = ancestor;
  return result;
}

bool ini_bool(const IniConfig& ini, const std::string& key, bool fallback) {
  auto it = ini.values.find(key);
  if (it == ini.values.end() || it->second.empty()) return fallback;
  std::string v = it->second.front();
  for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "y" || v == "yes" || v == "t" || v == "true" || v == "on" || v == "1") return true;
  if (v == "n" || v == "no" || v == "f" || v == "false" || v == "off" || v == "0") return false;
  return fallback;
}

}  // namespace fastest::app
