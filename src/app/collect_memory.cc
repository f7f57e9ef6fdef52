#include "app/collect_memory.h"

#include <xxhash.h>

#include <cstdio>
#include <fstream>
#include <system_error>

namespace fastest::app {
namespace {

std::filesystem::path memory_file(const RunContext& ctx) {
  std::string key = ctx.ini.rootdir.string() + '\0' + ctx.python;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(XXH64(key.data(), key.size(), 0)));
  return ctx.cache_root / "collect-errors" / hex;
}

}  // namespace

std::set<std::string> load_collect_failures(const RunContext& ctx) {
  std::set<std::string> out;
  std::ifstream in(memory_file(ctx));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.insert(line);
  return out;
}

void save_collect_failures(const RunContext& ctx, const std::set<std::string>& failed,
                           const std::set<std::string>& collected) {
  auto known = load_collect_failures(ctx);
  const auto before = known;
  for (const auto& m : collected) known.erase(m);
  known.insert(failed.begin(), failed.end());
  if (known == before) return;
  const auto path = memory_file(ctx);
  std::error_code ec;
  if (known.empty()) {
    std::filesystem::remove(path, ec);
    return;
  }
  std::filesystem::create_directories(path.parent_path(), ec);
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& m : known) out << m << '\n';
    if (!out) return;
  }
  std::filesystem::rename(tmp, path, ec);
}

}  // namespace fastest::app
