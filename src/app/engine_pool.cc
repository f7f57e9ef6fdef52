#include "app/engine_pool.h"

#include <xxhash.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>

#include "app/file_collectors.h"
#include "app/session.h"
#include "exec/harness.h"
#include "report/reporter.h"

namespace fastest::app {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> split_commas(const char* v) {
  std::vector<std::string> out;
  std::string s = v ? v : "";
  for (std::size_t start = 0; start < s.size();) {
    auto end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    std::string part = s.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    while (!part.empty() && part.back() == ' ') part.pop_back();
    if (!part.empty()) out.push_back(part);
    start = end + 1;
  }
  return out;
}

fs::path choice_file(const RunContext& ctx) {
  std::string key = ctx.ini.rootdir.string() + '\0' + ctx.python;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(XXH64(key.data(), key.size(), 0)));
  return ctx.cache_root / "engine" / hex;
}

}  // namespace

EngineFacts gather_engine_facts(const RunContext& ctx, std::vector<ConftestUse> conftests) {
  EngineFacts f;
  f.requested = ctx.opts.engine;
  f.conftests = std::move(conftests);
  f.plugin_args = ctx.opts.plugins;
  const char* autoload = std::getenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD");
  f.autoload_disabled = autoload && *autoload;
  f.env_plugins = split_commas(std::getenv("PYTEST_PLUGINS"));
  f.installed = installed_pytest_plugins(ctx.python, ctx.cache_root);
  f.native_hooks = native_hooks();
  for (const auto& c : f.conftests)
    if (!c.plugin_name.empty()) f.local_plugin_modules.insert(c.plugin_name);
  return f;
}

void note_file_collectors(RunContext& ctx) {
  if (ctx.opts.engine == "native") return;
  auto facts = std::make_shared<CollectorFacts>();
  facts->env = plugin_environment(ctx.python, ctx.cache_root);
  facts->plugin_args = ctx.opts.plugins;
  facts->env_plugins = split_commas(std::getenv("PYTEST_PLUGINS"));
  const char* autoload = std::getenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD");
  facts->autoload_disabled = autoload && *autoload;
  const std::string root = ctx.ini.rootdir.string();
  ctx.discovery.plugin_collects_files = !active_file_collector(*facts, {ctx.invocation_dir.string(), root}).empty();
  // A conftest's pytest_plugins module: the project's own (from the conftest's directory up
  // to the rootdir, as local_module), else an installed one.
  ctx.discovery.collecting_plugin = [facts, root](const std::string& name, const std::string& conftest) {
    std::vector<std::string> dirs;
    for (fs::path d = fs::path(conftest).parent_path();; d = d.parent_path()) {
      dirs.push_back(d.string());
      if (d.string() == root || d == d.parent_path() || !d.string().starts_with(root)) break;
    }
    return plugin_collects_files(name, *facts, dirs);
  };
}

std::string provisional_engine(const RunContext& ctx) {
  if (ctx.opts.engine != "auto") return ctx.opts.engine;
  std::ifstream in(choice_file(ctx));
  std::string last;
  in >> last;
  return last == "pytest" ? "pytest" : "native";
}

void remember_engine(const RunContext& ctx, const std::string& engine) {
  if (ctx.opts.engine != "auto" || provisional_engine(ctx) == engine) return;
  fs::path file = choice_file(ctx);
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  fs::path tmp = file.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp);
    out << engine << "\n";
  }
  fs::rename(tmp, file, ec);
  if (ec) fs::remove(tmp, ec);
}

void settle_engine(RunContext& ctx, const discovery::Discovery& found) {
  auto choice = choose_engine(gather_engine_facts(ctx, conftest_uses(ctx, found)));
  ctx.engine = choice.engine;
  ctx.engine_line = engine_header(choice);
  if (ctx.opts.engine == "native" && !choice.unhonoured.empty()) {
    std::string text = "fastest: warning: --engine native does not honour what this suite uses:\n";
    for (const auto& u : choice.unhonoured) text += "  " + u + "\n";
    text += "  (outcomes may differ from pytest's; --engine pytest or auto runs them)\n";
    std::fputs(text.c_str(), stderr);
  }
  remember_engine(ctx, choice.engine);
}

base::Status prestart_workers(const RunContext& ctx, WorkerPool& pool, std::atomic<exec::Executor*>& slot) {
  if (pool.executor && pool.engine == ctx.engine) return base::ok_status();
  if (pool.executor) {
    // The guess was wrong (a conftest changed since the last run): stop the booting
    // workers at once; idle ones get a clean shutdown.
    slot.store(nullptr);
    pool.executor->request_stop();
    pool.executor.reset();
  }
  auto main_py = exec::install_harness(ctx.cache_root);
  if (!main_py.ok()) return main_py.error();
  if (!pool.started) {
    std::error_code ec;
    pool.cold_start = !std::filesystem::exists(main_py.value().parent_path() / "fastest_worker" / "__pycache__", ec);
    pool.started = true;
  }
  pool.engine = ctx.engine;
  pool.started_at = pool.clock.now_seconds();
  pool.executor = std::make_unique<exec::Executor>(make_exec_options(ctx, ctx.workers, main_py.value()), pool.clock);
  slot.store(pool.executor.get());
  pool.executor->start();
  return base::ok_status();
}

namespace {

/// A worker's `fatal` (pytest's message on stderr, its exit code) or the pool's own.
struct FatalWatch {
  std::optional<int> worker_fatal;
  std::string fatal;

  void take(const exec::Event& ev) {
    if (ev.kind == exec::EventKind::worker_fatal && !worker_fatal) {
      worker_fatal = ev.exit_code;
      std::string msg = ev.text + (ev.text.empty() || ev.text.back() == '\n' ? "" : "\n");
      std::fwrite(msg.data(), 1, msg.size(), stderr);
    } else if (ev.kind == exec::EventKind::fatal && fatal.empty()) {
      fatal = ev.text;
    }
  }
  std::optional<ExitCode> code() const {
    if (worker_fatal) return static_cast<ExitCode>(*worker_fatal);
    if (fatal.empty()) return std::nullopt;
    std::fprintf(stderr, "fastest: error: %s\n", fatal.c_str());
    return ExitCode::internal_error;
  }
};

}  // namespace

ExitCode show_listing(exec::Executor& executor, std::vector<exec::WorkItem> items) {
  bool shown = false;
  FatalWatch watch;
  executor.run(std::move(items), [&](const exec::Event& ev) {
    if (ev.kind == exec::EventKind::info && !shown) {
      shown = true;  // every worker lists the same markers
      std::fwrite(ev.text.data(), 1, ev.text.size(), stdout);
      std::fflush(stdout);
    }
    watch.take(ev);
  });
  return watch.code().value_or(ExitCode::ok);
}

ExitCode show_fixtures_per_test(exec::Executor& executor, std::vector<exec::WorkItem> items, int verbose,
                                const std::vector<base::CollectionError>& static_errors) {
  std::map<std::int64_t, std::string> listings;  // batch -> its tests' sections
  std::vector<base::CollectionError> errors = static_errors;
  report::CollectionCounts counts;
  FatalWatch watch;
  executor.run(std::move(items), [&](const exec::Event& ev) {
    if (ev.kind == exec::EventKind::collected) {
      counts.collected += ev.items.size() + static_cast<std::size_t>(ev.deselected);
      counts.deselected += static_cast<std::size_t>(ev.deselected);
    } else if (ev.kind == exec::EventKind::info) {
      listings[ev.batch] += ev.text;
    } else if (ev.kind == exec::EventKind::collect_error) {
      errors.push_back(ev.collect_error);
    }
    watch.take(ev);
  });
  if (auto code = watch.code()) return *code;
  counts.errors = errors.size();
  std::string out = verbose < 0 ? "" : report::collected_line(counts) + "\n";
  for (const auto& [batch, text] : listings) out += text;
  for (const auto& e : errors) out += "ERROR collecting " + e.file + "\n" + e.message + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return ExitCode::ok;
}

namespace {

ConftestUse to_use(const discovery::ConftestFacts& f) {
  ConftestUse u;
  u.path = f.rel_path;
  u.hooks = f.hooks;
  u.hookwrappers = f.wrapper_hooks;
  u.imports_pytest_internals = f.imports_pytest_internals;
  u.pytest_plugins = f.pytest_plugins;
  u.pytest_plugins_dynamic = f.pytest_plugins_dynamic;
  return u;
}

/// The file a `pytest_plugins` name imports if it is the project's own module: looked up
/// from the conftest's directory up to the rootdir (where the import modes put sys.path).
std::optional<fs::path> local_module(const std::string& name, const fs::path& conftest, const fs::path& rootdir) {
  fs::path rel;
  for (std::size_t start = 0; start <= name.size();) {
    auto end = name.find('.', start);
    if (end == std::string::npos) end = name.size();
    rel /= name.substr(start, end - start);
    start = end + 1;
  }
  std::error_code ec;
  for (fs::path dir = conftest.parent_path();; dir = dir.parent_path()) {
    for (fs::path cand : {fs::path(dir / rel).replace_extension(".py"), dir / rel / "__init__.py"})
      if (fs::is_regular_file(cand, ec)) return cand;
    if (dir == rootdir || dir == dir.parent_path() || !dir.string().starts_with(rootdir.string())) break;
  }
  return std::nullopt;
}

std::optional<ConftestUse> parse_local_plugin(const fs::path& file, const RunContext& ctx) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  discovery::SourceFile sf;
  sf.rel_path = file.lexically_relative(ctx.ini.rootdir).generic_string();
  sf.abs_path = file;
  sf.tests = false;
  sf.conftest = true;
  auto parsed = discovery::parse_source(sf, ss.str(), ctx.discovery);
  if (!parsed.conftest) return std::nullopt;
  parsed.conftest->rel_path = sf.rel_path;
  return to_use(*parsed.conftest);
}

}  // namespace

std::vector<ConftestUse> conftest_uses(const RunContext& ctx, const discovery::Discovery& found) {
  std::vector<ConftestUse> out;
  std::set<std::string> seen;
  for (const auto& f : found.conftests) {
    if (f.error) continue;  // pytest fails importing it, whichever engine runs
    out.push_back(to_use(f));
    for (const auto& name : f.pytest_plugins) {
      auto file = local_module(name, f.abs_path, ctx.ini.rootdir);
      if (!file || !seen.insert(file->string()).second) continue;
      // The plugin module's own hooks count as the conftest's would.
      if (auto use = parse_local_plugin(*file, ctx)) {
        use->plugin_name = name;
        out.push_back(std::move(*use));
      }
    }
  }
  return out;
}

}  // namespace fastest::app
