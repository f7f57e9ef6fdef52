#include "app/log_options.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <string>

#include "app/reporting.h"

namespace fastest::app {
namespace {

/// pytest's get_option_ini: the option when given, else the ini value.
std::string option_or_ini(const RunContext& ctx, const std::string& name) {
  if (auto v = option_string(ctx.opts, name); v && !v->empty()) return *v;
  auto it = ctx.ini.values.find(name);
  return it == ctx.ini.values.end() || it->second.empty() ? std::string() : it->second.front();
}

bool logging_disabled(const Options& o) {
  return std::find(o.plugins.begin(), o.plugins.end(), "no:logging") != o.plugins.end();
}

}  // namespace

bool live_logging(const RunContext& ctx) {
  if (ctx.opts.collect_only || logging_disabled(ctx.opts)) return false;
  return option_string(ctx.opts, "log_cli_level").has_value() || ini_bool(ctx.ini, "log_cli", false);
}

std::filesystem::path log_file_path(const RunContext& ctx) {
  std::string f = option_or_ini(ctx, "log_file");
  if (f.empty()) return {};
  return (ctx.invocation_dir / f).lexically_normal();
}

void truncate_log_file(const RunContext& ctx) {
  const auto path = log_file_path(ctx);
  if (path.empty() || logging_disabled(ctx.opts)) return;
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream(path, std::ios::trunc);
}

}  // namespace fastest::app
