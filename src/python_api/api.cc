#include "python_api/api.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>

#include "app/command_line.h"
#include "app/engine.h"
#include "app/run.h"

namespace fastest::python_api {
namespace fs = std::filesystem;

namespace {

/// One session at a time per process: the app's interrupt slot is process-wide.
std::mutex g_session;
std::atomic<bool> g_sigint{false};

void on_sigint(int sig) {
  // Every Ctrl-C asks for the same clean stop; the interpreter's own handler is back after it.
  g_sigint.store(true);
  app::request_interrupt(sig);
}

/// While alive, Ctrl-C stops the run instead of reaching Python's handler (which could
/// not run while the GIL is released). Only on the main thread, where Python takes signals,
/// and not when the program ignores SIGINT.
class SigintGuard {
 public:
  explicit SigintGuard(bool enable) {
    g_sigint.store(false);
    app::clear_interrupt();
    struct sigaction current {};
    if (!enable || gettid() != getpid() || sigaction(SIGINT, nullptr, &current) != 0) return;
    if (current.sa_handler == SIG_IGN) return;
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    m_installed = sigaction(SIGINT, &sa, &m_old) == 0;
  }
  ~SigintGuard() {
    if (m_installed) sigaction(SIGINT, &m_old, nullptr);
  }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;

 private:
  struct sigaction m_old {};
  bool m_installed = false;
};

/// Keeps what the event stream reports (called on the run's thread, no Python involved).
class Collector final : public report::Reporter {
 public:
  explicit Collector(RunOutput& out) : m_out(out) {}
  void on_result(const base::TestResult& r) override { m_out.results.push_back(r); }
  void on_collect_error(const base::CollectionError& e) override { m_out.errors.push_back(e); }

 private:
  RunOutput& m_out;
};

base::Result<app::CommandLine> parse(const std::vector<std::string>& argv, const Caller& caller) {
  std::error_code ec;
  auto cl = app::parse_command_line(argv, fs::current_path(ec), app::process_env(), app::installed_plugin_files);
  if (cl.ok() && cl->options.python.empty()) cl->options.python = caller.python;
  if (cl.ok()) cl->options.argv.insert(cl->options.argv.begin(), "fastest");
  return cl;
}

}  // namespace

base::Result<Discovered> discover(const std::vector<std::string>& argv, const Caller& caller) {
  auto cl = parse(argv, caller);
  if (!cl.ok()) return cl.error();
  auto opts = cl.value().options;
  opts.collect_only = opts.static_collect = true;
  auto ctx = app::make_context(opts, /*need_python=*/false);
  if (!ctx.ok()) return ctx.error();
  auto found = app::collect_static(ctx.value());
  if (!found.ok()) return found.error();
  Discovered out;
  out.rootdir = found->rootdir.string();
  out.items.reserve(found->items.size());
  for (auto& it : found->items) {
    std::string path = (found->rootdir / it.file.str()).lexically_normal().string();
    out.items.push_back({std::move(it), std::move(path), out.rootdir});
  }
  out.errors = std::move(found->errors);
  out.warnings = std::move(found->warnings);
  return out;
}

int run(const std::vector<std::string>& argv, const Caller& caller) {
  std::lock_guard lock(g_session);
  auto cl = parse(argv, caller);
  if (!cl.ok()) {
    std::fprintf(stderr, "%s\n", cl.error().message.c_str());
    return static_cast<int>(app::ExitCode::usage_error);
  }
  if (cl->kind != app::CommandLine::Kind::run) {
    std::fputs(cl->text.c_str(), stdout);
    std::fflush(stdout);
    return static_cast<int>(app::ExitCode::ok);
  }
  SigintGuard guard(caller.catch_sigint);
  auto code = app::run_tests(cl->options);
  std::fflush(stdout);
  std::fflush(stderr);
  return static_cast<int>(code);
}

base::Result<RunOutput> run_tests(const std::vector<std::string>& argv, bool report, const Caller& caller) {
  std::lock_guard lock(g_session);
  auto cl = parse(argv, caller);
  if (!cl.ok()) return cl.error();
  if (cl->kind != app::CommandLine::Kind::run)
    return base::make_error(base::ErrorCode::usage, "--help and --version do not run tests");
  auto ctx = app::make_context(cl->options);
  if (!ctx.ok()) return ctx.error();
  RunOutput out;
  Collector collector(out);
  app::RunHooks hooks;
  hooks.observer = &collector;
  hooks.terminal = report;
  hooks.on_store_warning = [&](const std::string& w) { out.warnings.push_back(w); };
  {
    SigintGuard guard(caller.catch_sigint);
    out.exit_code = static_cast<int>(app::run_context(ctx.value(), hooks));
  }
  out.interrupted = g_sigint.load();
  std::fflush(stdout);
  std::fflush(stderr);
  return out;
}

base::Result<std::string> project_db(const std::string& db, const std::string& rootdir) {
  app::Options o;
  o.db = db;
  o.rootdir = rootdir;
  auto path = app::project_db(o);
  if (!path.ok()) return path.error();
  return path.value().string();
}

base::Result<app::PlanSummary> plan(const std::string& db, const std::string& rootdir,
                                    const std::vector<std::string>& paths, int workers, const std::string& schedule) {
  app::Options o;
  o.db = db;
  o.rootdir = rootdir;
  o.args = paths;
  o.workers = workers;
  o.schedule = schedule;
  auto ctx = app::make_context(o, /*need_python=*/false);
  if (!ctx.ok()) return ctx.error();
  return app::plan_suite(ctx.value(), schedule);
}

}  // namespace fastest::python_api
