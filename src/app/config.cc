#include "app/config.h"

#include <toml++/toml.h>
#include <fstream>
#include <sstream>

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

base::Result<std::optional<IniConfig>> try_inifile(const fs::path& dir, const std::string& name) {
  fs::path p = dir / name;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::optional<IniConfig>();
  auto text = read_text(p);
  if (!text) return std::optional<IniConfig>();
  IniConfig cfg;
  cfg.rootdir = dir;
  cfg.inifile = p;
  if (name == "pyproject.toml") {
    toml::table tbl;
    try {
      tbl = toml::parse(*text, p.string());
    } catch (const toml::parse_error& e) {
      return base::make_error(base::ErrorCode::usage, p.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                                                          std::string(e.description()));
    }
    auto* opts = tbl["tool"]["pytest"]["ini_options"].as_table();
    if (!opts) return std::optional<IniConfig>();
    for (auto& [k, v] : *opts) {
      auto& out = cfg.values[std::string(k.str())];
      if (auto* arr = v.as_array()) {
        for (auto& el : *arr)
          if (auto s = el.value<std::string>()) out.push_back(*s);
      } else if (auto s = v.value<std::string>()) {
        out.push_back(*s);
      } else if (auto b = v.value<bool>()) {
        out.push_back(*b ? "true" : "false");
      } else if (auto n = v.value<double>()) {
        std::ostringstream ss;
        ss << *n;
        out.push_back(ss.str());
      }
    }
    return std::optional<IniConfig>(std::move(cfg));
  }
  std::string section = name == "pytest.ini" ? "pytest" : name == "tox.ini" ? "pytest" : "tool:pytest";
  bool found = false;
  auto vals = parse_ini_section(*text, section, p.string(), &found);
  if (!vals.ok()) return vals.error();
  // pytest.ini is the ini file even when it has no [pytest] section.
  if (!found && name != "pytest.ini") return std::optional<IniConfig>();
  cfg.values = std::move(vals).value();
  return std::optional<IniConfig>(std::move(cfg));
}

}  // namespace

std::vector<std::string> IniConfig::list(const std::string& key) const {
  std::vector<std::string> out;
  auto it = values.find(key);
  if (it == values.end()) return out;
  bool toml = inifile.filename() == "pyproject.toml";
  for (const auto& v : it->second) {
    if (toml) {
      out.push_back(v);
      continue;
    }
    std::istringstream ss(v);
    std::string piece;
    if (is_linelist(key)) {
      while (std::getline(ss, piece))
        if (!trim(piece).empty()) out.push_back(trim(piece));
    } else {
      while (ss >> piece) out.push_back(piece);
    }
  }
  return out;
}

base::Result<std::map<std::string, std::vector<std::string>>> parse_ini_section(const std::string& text,
                                                                                const std::string& section,
                                                                                const std::string& filename,
                                                                                bool* found) {
  std::map<std::string, std::vector<std::string>> out;
  std::istringstream in(text);
  std::string line, current, last_key;
  int lineno = 0;
  *found = false;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t[0] == '[') {
      if (t.back() != ']')
        return base::make_error(base::ErrorCode::usage,
                                filename + ":" + std::to_string(lineno) + ": malformed section header");
      current = t.substr(1, t.size() - 2);
      if (current == section) *found = true;
      last_key.clear();
      continue;
    }
    bool continuation = (line[0] == ' ' || line[0] == '\t') && !last_key.empty();
    if (continuation) {
      if (current == section) out[last_key].back() += "\n" + t;
      continue;
    }
    auto eq = t.find_first_of("=:");
    if (eq == std::string::npos)
      return base::make_error(base::ErrorCode::usage,
                              filename + ":" + std::to_string(lineno) + ": expected 'key = value', got '" + t + "'");
    if (current.empty())
      return base::make_error(base::ErrorCode::usage, filename + ":" + std::to_string(lineno) + ": no section header");
    last_key = trim(t.substr(0, eq));
    if (current == section) out[last_key] = {trim(t.substr(eq + 1))};
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

}  // namespace

base::Result<IniConfig> resolve_config(const std::vector<fs::path>& args, const fs::path& invocation_dir,
                                       const fs::path& rootdir_override) {
  // pytest's determine_setup (7.x), step by step.
  std::vector<fs::path> dirs;
  for (const auto& a : args) {
    std::error_code ec;
    if (fs::exists(a, ec)) dirs.push_back(fs::is_directory(a, ec) ? a : a.parent_path());
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
    std::error_code ec;
    if (!fs::is_directory(rootdir_override, ec))
      return base::make_error(base::ErrorCode::usage, "ERROR: Directory '" + rootdir_override.string() +
                                                          "' not found. Check your '--rootdir' option.");
    result.rootdir = rootdir_override;
  }
  if (result.rootdir.empty()) result.rootdir = ancestor;
  return result;
}

}  // namespace fastest::app
