// The worker interpreter's pytest11 entry points: one cached `python -c` query.
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <system_error>

#include "app/context.h"
#include "app/engine.h"
#include "app/engine_subprocess.h"
#include "app/file_collectors.h"
#include "exec/harness.h"

namespace fastest::app {
namespace fs = std::filesystem;
using json = nlohmann::json;
namespace {

// Reads entry_points.txt files without importing anything (importlib.metadata would
// import email and friends; plugins themselves are never imported). A distribution
// seen twice on sys.path counts once, the first, as importlib.metadata has it.
constexpr const char* k_query = R"PY(
import json, os, sys
paths = [p for p in sys.path if p]
def find(mod):
    parts = mod.split(".")
    for p in paths:
        base = os.path.join(p, *parts)
        for f in (base + ".py", os.path.join(base, "__init__.py")):
            if os.path.isfile(f):
                return f
    return ""
dirs, plugins, seen = [], [], set()
for p in paths:
    try:
        st = os.stat(p)
        names = sorted(os.listdir(p))
    except OSError:
        continue
    dirs.append([p, st.st_mtime_ns])
    for n in names:
        if not n.endswith((".dist-info", ".egg-info")):
            continue
        try:
            with open(os.path.join(p, n, "entry_points.txt"), encoding="utf-8") as f:
                text = f.read()
        except OSError:
            continue
        dist = n.rsplit(".", 1)[0]
        key = dist.split("-")[0].lower().replace("_", "-").replace(".", "-")
        if key in seen:
            continue
        seen.add(key)
        group = None
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("["):
                group = line.strip("[]").strip()
            elif group == "pytest11" and "=" in line and not line.startswith(("#", ";")):
                name, _, value = line.partition("=")
                mod = value.split(":")[0].split("[")[0].strip()
                plugins.append({"name": name.strip(), "module": mod, "dist": dist, "file": find(mod)})
print(json.dumps({"dirs": dirs, "plugins": plugins, "path": paths}))
)PY";

std::int64_t mtime_ns(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

/// The cache file for this interpreter and environment (what decides sys.path).
fs::path cache_file(const std::string& python, const fs::path& cache_root) {
  std::string key = python + '\0' + std::to_string(mtime_ns(python)) + '\0' + env_or_empty("PYTHONPATH") + '\0' +
                    env_or_empty("PYTHONHOME") + '\0' + env_or_empty("PYTHONNOUSERSITE") + '\0' +
                    env_or_empty("VIRTUAL_ENV");
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(XXH64(key.data(), key.size(), 0)));
  return cache_root / "entry-points" / (std::string(hex) + ".json");
}

/// The version of the cached answer's shape (2: each plugin's `collects_files`, `path`).
constexpr int k_answer_version = 2;

/// The cached answer if every sys.path directory it read (and every plugin file scanned
/// for pytest_collect_file) still has its mtime.
std::optional<std::string> cached_answer(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("dirs") || !j["dirs"].is_array()) return std::nullopt;
  if (j.value("v", 0) != k_answer_version) return std::nullopt;
  for (const auto& d : j["dirs"]) {
    if (!d.is_array() || d.size() != 2 || !d[0].is_string() || !d[1].is_number_integer()) return std::nullopt;
    if (mtime_ns(d[0].get<std::string>()) != d[1].get<std::int64_t>()) return std::nullopt;
  }
  return ss.str();
}

void store_answer(const fs::path& file, const std::string& text) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  std::random_device rd;
  fs::path tmp = file.string() + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(rd());
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out) return;
  }
  fs::rename(tmp, file, ec);
  if (ec) fs::remove(tmp, ec);
}

/// The query's answer with what C++ adds to it before caching: each plugin's
/// `collects_files` (a text scan of its files) and those files' mtimes among the stamps.
std::string completed_answer(const std::string& out) {
  json j = json::parse(out, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("plugins") || !j["plugins"].is_array() || !j.contains("dirs") ||
      !j["dirs"].is_array())
    return out;
  std::set<std::string> stamped;
  for (auto& p : j["plugins"]) {
    if (!p.is_object() || !p.contains("file") || !p["file"].is_string() || !p.contains("module") ||
        !p["module"].is_string())
      continue;
    const std::string file = p["file"].get<std::string>();
    if (file.empty()) continue;
    auto scan = scan_for_collect_file(file, p["module"].get<std::string>());
    p["collects_files"] = scan.defines;
    for (const auto& f : scan.read)
      if (stamped.insert(f).second) j["dirs"].push_back(json::array({f, mtime_ns(f)}));
  }
  j["v"] = k_answer_version;
  return j.dump();
}

}  // namespace

std::vector<InstalledPlugin> parse_plugin_query(std::string_view text) {
  std::vector<InstalledPlugin> out;
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("plugins") || !j["plugins"].is_array()) return out;
  auto str = [](const json& o, const char* k) {
    return o.contains(k) && o[k].is_string() ? o[k].get<std::string>() : std::string();
  };
  for (const auto& p : j["plugins"]) {
    if (!p.is_object()) continue;
    InstalledPlugin ip{str(p, "name"), str(p, "module"), str(p, "dist"), str(p, "file")};
    ip.collects_files = p.contains("collects_files") && p["collects_files"].is_boolean() && p["collects_files"];
    if (!ip.name.empty()) out.push_back(std::move(ip));
  }
  return out;
}

PluginEnvironment parse_plugin_environment(std::string_view text) {
  PluginEnvironment env;
  env.installed = parse_plugin_query(text);
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("path") || !j["path"].is_array()) return env;
  for (const auto& p : j["path"])
    if (p.is_string()) env.sys_path.push_back(p.get<std::string>());
  return env;
}

PluginEnvironment plugin_environment(const std::string& python, const fs::path& cache_root) {
  fs::path file = cache_file(python, cache_root);
  if (auto hit = cached_answer(file)) return parse_plugin_environment(*hit);
  // No -I/-E: PYTHONPATH and the user site decide what the workers see, as here.
  auto r = run_process({python, "-c", k_query});
  if (!r.started || r.exit_code != 0) return {};
  std::string answer = completed_answer(r.out);
  store_answer(file, answer);
  return parse_plugin_environment(answer);
}

std::vector<InstalledPlugin> installed_pytest_plugins(const std::string& python, const fs::path& cache_root) {
  return plugin_environment(python, cache_root).installed;
}

std::vector<PluginFile> installed_plugin_files(const std::string& python) {
  auto py = find_python(python);
  if (!py.ok()) return {};
  std::vector<PluginFile> out;
  for (const auto& p : installed_pytest_plugins(py.value(), exec::default_cache_root()))
    if (!p.file.empty()) out.push_back({p.name, p.file});
  return out;
}

}  // namespace fastest::app
