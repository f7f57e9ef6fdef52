// Which active plugins define pytest_collect_file: a text scan of their source files.
#include "app/file_collectors.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>

namespace fastest::app {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view k_hook = "pytest_collect_file";

bool names_hook(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.find(k_hook) != std::string::npos;
}

/// pytest_plugins / -p names as pytest imports them: an entry point's name or its module.
const InstalledPlugin* installed_as(const std::string& name, const std::vector<InstalledPlugin>& installed) {
  auto it = std::find_if(installed.begin(), installed.end(),
                         [&](const InstalledPlugin& p) { return p.name == name || p.module == name; });
  return it == installed.end() ? nullptr : &*it;
}

}  // namespace

CollectFileScan scan_for_collect_file(const std::string& file, const std::string& module) {
  CollectFileScan scan;
  const fs::path path(file);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return scan;
  scan.read.push_back(file);
  scan.defines = names_hook(path);
  if (scan.defines || (module.find('.') == std::string::npos && path.filename() != "__init__.py")) return scan;
  // A package's plugin often registers a class of a sibling module in pytest_configure.
  const fs::path dir = path.parent_path();
  scan.read.push_back(dir.string());
  std::vector<fs::path> siblings;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".py" && it->path() != path) siblings.push_back(it->path());
  std::sort(siblings.begin(), siblings.end());
  for (const auto& s : siblings) {
    scan.read.push_back(s.string());
    if (names_hook(s)) scan.defines = true;
  }
  return scan;
}

std::optional<fs::path> find_module_file(const std::string& name, const std::vector<std::string>& dirs) {
  if (name.empty()) return std::nullopt;
  fs::path rel;
  for (std::size_t start = 0; start <= name.size();) {
    auto end = std::min(name.find('.', start), name.size());
    rel /= name.substr(start, end - start);
    start = end + 1;
  }
  std::error_code ec;
  for (const auto& d : dirs)
    for (fs::path cand : {fs::path(d) / fs::path(rel).concat(".py"), fs::path(d) / rel / "__init__.py"})
      if (fs::is_regular_file(cand, ec)) return cand;
  return std::nullopt;
}

bool plugin_collects_files(const std::string& name, const CollectorFacts& facts, const std::vector<std::string>& dirs) {
  if (name.empty() || plugin_blocked(facts.plugin_args, name)) return false;
  if (const InstalledPlugin* p = installed_as(name, facts.env.installed)) return p->collects_files;
  std::vector<std::string> where = dirs;
  where.insert(where.end(), facts.env.sys_path.begin(), facts.env.sys_path.end());
  auto file = find_module_file(name, where);
  return file && scan_for_collect_file(file->string(), name).defines;
}

std::string active_file_collector(const CollectorFacts& facts, const std::vector<std::string>& dirs) {
  if (!facts.autoload_disabled)
    for (const auto& p : facts.env.installed)
      if (p.collects_files && !plugin_blocked(facts.plugin_args, p.name)) return p.name;
  for (const auto& p : facts.plugin_args)
    if (p.rfind("no:", 0) != 0 && plugin_collects_files(p, facts, dirs)) return p;
  for (const auto& p : facts.env_plugins)
    if (plugin_collects_files(p, facts, dirs)) return p;
  return "";
}

}  // namespace fastest::app
