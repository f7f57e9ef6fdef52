#include "app/reporting.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/embed.h"
#include "report/terminal.h"

namespace fastest::app {
namespace {

/// shutil.get_terminal_size as pytest's TerminalWriter uses it: $COLUMNS, the terminal,
/// else 80; narrower than 40 means 80.
int terminal_width() {
  int width = 0;
  if (const char* c = std::getenv("COLUMNS"); c && *c) width = std::atoi(c);
  if (width <= 0) {
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) width = ws.ws_col;
  }
  return width < 40 ? 80 : width;
}

/// pytest's _strtobool for bool ini values.
bool ini_bool(const IniConfig& ini, const std::string& key, bool fallback) {
  auto it = ini.values.find(key);
  if (it == ini.values.end() || it->second.empty()) return fallback;
  std::string v = it->second.front();
  for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "y" || v == "yes" || v == "t" || v == "true" || v == "on" || v == "1") return true;
  if (v == "n" || v == "no" || v == "f" || v == "false" || v == "off" || v == "0") return false;
  return fallback;
}

std::string ini_string(const IniConfig& ini, const std::string& key, const std::string& fallback) {
  auto it = ini.values.find(key);
  if (it == ini.values.end() || it->second.empty()) return fallback;
  std::string out;
  for (const auto& v : it->second) out += (out.empty() ? "" : "\n") + v;
  return out;
}

nlohmann::json option(const Options& o, const std::string& dest) {
  auto j = nlohmann::json::parse(o.options_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return nullptr;
  auto it = j.find(dest);
  return it == j.end() ? nlohmann::json(nullptr) : *it;
}

}  // namespace

std::string host_name() {
  char buf[256] = {0};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

std::optional<bool> option_bool(const Options& o, const std::string& dest) {
  auto v = option(o, dest);
  if (v.is_boolean()) return v.get<bool>();
  return std::nullopt;
}

std::optional<std::string> option_string(const Options& o, const std::string& dest) {
  auto v = option(o, dest);
  if (v.is_string()) return v.get<std::string>();
  return std::nullopt;
}

void describe_root(const RunContext& ctx, report::RunHeader& header) {
  namespace fs = std::filesystem;
  header.rootdir = ctx.ini.rootdir.string();
  if (!ctx.ini.inifile.empty()) header.configfile = ctx.ini.inifile.lexically_relative(ctx.ini.rootdir).string();
  std::error_code ec;
  auto testpaths = ctx.ini.list("testpaths");
  // pytest names the testpaths when they, not arguments, chose what to collect.
  if (ctx.opts.args.empty() && !testpaths.empty() && fs::equivalent(ctx.invocation_dir, ctx.ini.rootdir, ec))
    for (const auto& t : testpaths) header.testpaths += (header.testpaths.empty() ? "" : ", ") + t;
}

Reporters make_reporters(const RunContext& ctx) {
  const auto& o = ctx.opts;
  Reporters r;
  report::TerminalOptions t;
  t.verbose = o.verbose;
  t.report_chars = o.report_chars;
  t.disable_warnings = option_bool(o, "disable_warnings").value_or(false);
  t.tbstyle = o.tbstyle;
  t.show_capture = o.show_capture;
  t.no_header = o.no_header;
  t.no_summary = o.no_summary;
  t.width = terminal_width();
  t.on_ci = std::getenv("CI") != nullptr || std::getenv("BUILD_NUMBER") != nullptr;
  t.durations = o.durations;
  t.durations_min = o.durations_min;
  t.rootdir = ctx.ini.rootdir.string();
  t.invocation_dir = ctx.invocation_dir.string();
  if (!o.junitxml.empty()) t.junit_path = std::filesystem::absolute(o.junitxml).lexically_normal().string();
  if (ctx.terminal) r.all.push_back(std::make_unique<report::TerminalReporter>(t));
  if (!o.junitxml.empty()) {
    report::JunitOptions j;
    j.family = ini_string(ctx.ini, "junit_family", "xunit2");
    j.suite_name = ini_string(ctx.ini, "junit_suite_name", "pytest");
    j.logging = ini_string(ctx.ini, "junit_logging", "no");
    j.log_passing_tests = ini_bool(ctx.ini, "junit_log_passing_tests", true);
    j.duration_report = ini_string(ctx.ini, "junit_duration_report", "total");
    j.prefix = option_string(o, "junitprefix").value_or("");
    j.rootdir = ctx.ini.rootdir.string();
    j.hostname = host_name();
    auto rep = std::make_unique<report::JunitReporter>(o.junitxml, j);
    r.junit = rep.get();
    r.all.push_back(std::move(rep));
  }
  if (ctx.observer) r.all.push_back(forward_to(*ctx.observer));
  return r;
}

}  // namespace fastest::app
