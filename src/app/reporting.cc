#include "app/reporting.h"

#include "app/log_options.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/embed.h"
#include "app/pytest_cache.h"
#include "report/terminal.h"

namespace fastest::app {
namespace {

std::atomic<bool> g_resized{false};

extern "C" void on_sigwinch(int) { g_resized.store(true, std::memory_order_relaxed); }

/// The controlling terminal behind a FILE*: its width, re-read after a SIGWINCH.
class FileTerminal final : public report::TerminalDevice {
 public:
  explicit FileTerminal(std::FILE* f) : m_file(f), m_fd(fileno(f)), m_columns(query()) {
    struct sigaction sa {};
    sa.sa_handler = on_sigwinch;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &sa, nullptr);
  }
  void write(std::string_view bytes) override {
    std::fwrite(bytes.data(), 1, bytes.size(), m_file);
    std::fflush(m_file);
  }
  int columns() override {
    if (g_resized.exchange(false, std::memory_order_relaxed)) m_columns = query();
    return m_columns;
  }

 private:
  int query() const {
    winsize ws{};
    if (ioctl(m_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    if (const char* c = std::getenv("COLUMNS"); c && std::atoi(c) > 0) return std::atoi(c);
    return 80;
  }
  std::FILE* m_file;
  int m_fd;
  int m_columns;
};

bool utf8_locale() {
  for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* v = std::getenv(name);
    if (!v || !*v) continue;
    std::string s = v;
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s.find("utf-8") != std::string::npos || s.find("utf8") != std::string::npos;
  }
  return false;
}

/// shutil.get_terminal_size as pytest's TerminalWriter uses it: $COLUMNS, the terminal,
/// else 80; narrower than 40 means 80.
int terminal_width(std::FILE* out) {
  int width = 0;
  if (const char* c = std::getenv("COLUMNS"); c && *c) width = std::atoi(c);
  if (width <= 0) {
    winsize ws{};
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0) width = ws.ws_col;
  }
  return width < 40 ? 80 : width;
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

std::string progress_mode(const Options& o, bool isatty, const char* term) {
  // Output the display cannot own (-s lets workers write to the terminal) stays plain.
  bool dumb = term && std::string_view(term) == "dumb";
  if (o.progress == "live") return isatty && !dumb ? "live" : "plain";
  if (o.progress == "plain" || !isatty || dumb) return "plain";
  if (o.capture != "fd" && o.capture != "sys") return "plain";
  return "live";
}

Reporters make_reporters(const RunContext& ctx, const base::Clock& clock) {
  const auto& o = ctx.opts;
  Reporters r;
  report::TerminalOptions t;
  // --json -: the JSON document owns stdout, the terminal report goes to stderr.
  t.out = o.json_path == "-" ? stderr : stdout;
  t.isatty = ::isatty(fileno(t.out)) != 0;
  t.color = report::want_color(o.color, t.isatty);
  t.clock = &clock;
  // --collect-only has no progress to show.
  if (!o.collect_only && progress_mode(o, t.isatty, std::getenv("TERM")) == "live") {
    r.device = std::make_unique<FileTerminal>(t.out);
    t.live = r.device.get();
    t.live_opts.color = t.color;
    t.live_opts.unicode = utf8_locale();
  }
  // pytest's logging plugin turns -v on for live logging ("to avoid messy test progress output").
  t.verbose = live_logging(ctx) ? std::max(o.verbose, 1) : o.verbose;
  t.collect_verbose = o.verbose;  // the bump comes in pytest_runtestloop, after collection
  t.report_chars = o.report_chars;
  t.disable_warnings = option_bool(o, "disable_warnings").value_or(false);
  t.tbstyle = o.tbstyle;
  t.show_capture = o.show_capture;
  t.no_header = o.no_header;
  t.no_summary = o.no_summary;
  t.width = terminal_width(t.out);
  t.on_ci = std::getenv("CI") != nullptr || std::getenv("BUILD_NUMBER") != nullptr;
  t.durations = o.durations;
  t.durations_min = o.durations_min;
  t.rootdir = ctx.ini.rootdir.string();
  t.invocation_dir = ctx.invocation_dir.string();
  if (!o.junitxml.empty()) t.junit_path = std::filesystem::absolute(o.junitxml).lexically_normal().string();
  if (ctx.terminal) {
    r.all.push_back(std::make_unique<report::TerminalReporter>(t));
    r.terminal = r.all.back().get();
  }
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
  if (!o.json_path.empty()) {
    auto rep = std::make_unique<report::JsonReporter>(o.json_path, stdout);
    r.json = rep.get();
    r.all.push_back(std::move(rep));
  }
  if (ctx.observer) r.all.push_back(forward_to(*ctx.observer));
  // pytest's .pytest_cache lists (lastfailed, nodeids, stepwise) for a later plain pytest.
  if (!o.collect_only)
    if (auto w = make_pytest_cache_writer(ctx)) r.all.push_back(std::move(w));
  return r;
}

}  // namespace fastest::app
