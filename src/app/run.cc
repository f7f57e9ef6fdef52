#include "app/run.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <type_traits>
#include <unordered_map>

#include "app/collect_memory.h"
#include "app/context.h"
#include "app/engine_pool.h"
#include "app/expression.h"
#include "app/log_options.h"
#include "app/pytest_cache.h"
#include "app/reporting.h"
#include "app/session.h"
#include "base/clock.h"
#include "base/exit_release.h"
#include "base/node_id.h"
#include "discovery/discovery.h"
#include "scheduler/plan.h"
#include "scheduler/shard.h"
#include "store/history_store.h"
#include "store/item_blob.h"

namespace fastest::app {
namespace fs = std::filesystem;

namespace {

std::atomic<exec::Executor*> g_executor{nullptr};
std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};

/// CPU seconds of this process (every thread) so far.
double process_cpu_s() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// Per-pass timers for --timings: wall clock, and the process's CPU time, which on a
/// busy machine says what the pass itself costs when the wall clock mostly waits for a core.
class PassTimer {
 public:
  explicit PassTimer(bool enabled) : m_enabled(enabled) {}
  void mark(const char* pass) {
    auto now = std::chrono::steady_clock::now();
    const double cpu = m_enabled ? process_cpu_s() : 0;
    if (m_enabled)
      std::fprintf(stderr, "[timings] %-10s %8.1f ms (cpu %.1f ms)\n", pass,
                   std::chrono::duration<double, std::milli>(now - m_last).count(), (cpu - m_last_cpu) * 1000);
    m_last = now;
    m_last_cpu = cpu;
  }

 private:
  bool m_enabled;
  std::chrono::steady_clock::time_point m_last = std::chrono::steady_clock::now();
  double m_last_cpu = m_enabled ? process_cpu_s() : 0;
};

store::CachedFile to_cached(const discovery::ParsedFile& f) {
  store::CachedFile c{f.rel_path, f.size, f.mtime_ns, f.content_hash, f.items, f.error, f.parse_key, std::nullopt};
  c.items_blob = f.encoded_items;
  c.ctime_ns = f.ctime_ns;
  c.inode = f.inode;
  c.checked_ns = f.checked_ns;
  if (f.conftest) c.facts = discovery::encode_conftest_facts(*f.conftest);
  return c;
}

/// `keep_encoded`: the items may stay as the store's blob (ParsedFile::encoded_items).
discovery::ParsedFile from_cached(store::CachedFile c, bool keep_encoded) {
  discovery::ParsedFile f;
  if (!c.items_blob.empty() && !keep_encoded) {
    // The store checked that the blob decodes.
    c.items = store::decode_items(c.items_blob, c.rel_path).value_or(std::vector<base::TestItem>{});
    c.items_blob.clear();
  }
  f.rel_path = std::move(c.rel_path);
  f.size = c.size;
  f.mtime_ns = c.mtime_ns;
  f.ctime_ns = c.ctime_ns;
  f.inode = c.inode;
  f.checked_ns = c.checked_ns;
  f.content_hash = c.content_hash;
  f.items = std::move(c.items);
  f.encoded_items = std::move(c.items_blob);
  f.error = std::move(c.error);
  f.parse_key = c.parse_key;
  if (c.facts) {
    f.conftest = discovery::decode_conftest_facts(*c.facts);
    if (!f.conftest) f.parse_key = 0;  // unreadable facts: parse again
  }
  return f;
}

}  // namespace

base::Result<std::unique_ptr<store::HistoryStore>> open_store(const RunContext& ctx) {
  if (ctx.db_path.empty()) return store::HistoryStore::open_memory();
  auto st = store::HistoryStore::open(ctx.db_path);
  if (st.ok()) {
    st.value()->set_retention(ctx.opts.keep_runs, ctx.opts.retention_days);
    return st;
  }
  // A store we cannot use never changes test outcomes: run without history.
  std::fprintf(stderr, "fastest: warning: %s; running without history\n", st.error().message.c_str());
  return store::HistoryStore::open_memory();
}

store::Environment planning_environment(const RunContext& ctx) {
  store::Environment env;
  env.host = host_name();
  env.workers = ctx.workers;
  return env;
}

discovery::Discovery discover_pass(const RunContext& ctx, store::HistoryStore& db, bool keep_encoded) {
  // A few files are asked one by one; past k_bulk_after, the whole cache is read in one
  // scan (10,000 files: two queries instead of 20,000).
  constexpr int k_bulk_after = 64;
  int asked = 0;
  std::optional<std::vector<store::CachedFile>> all;  // sorted by rel_path
  std::vector<char> taken;
  // Discovery reads the items of conftests, text doctest files and every file under
  // --deselect itself (ParsedFile::encoded_items): those are decoded here.
  const bool encoded = keep_encoded && ctx.discovery.deselect.empty();
  auto lookup = [&](const discovery::SourceFile& f) -> std::optional<discovery::ParsedFile> {
    std::optional<store::CachedFile> c;
    if (!all && ++asked > k_bulk_after) {
      all = db.cached_files(encoded);
      taken.assign(all->size(), 0);
    }
    // Taken out of the bulk scan; a file asked again (a conftest.py that is also a test
    // module) or not in it is asked alone.
    if (all) {
      auto it = std::lower_bound(all->begin(), all->end(), f.rel_path,
                                 [](const store::CachedFile& a, const std::string& p) { return a.rel_path < p; });
      const auto at = static_cast<std::size_t>(it - all->begin());
      if (it != all->end() && it->rel_path == f.rel_path && !taken[at]) {
        taken[at] = 1;
        c = std::move(*it);
      }
    }
    if (!c) c = db.cached_file(f.rel_path, encoded);
    if (!c) return std::nullopt;
    return from_cached(std::move(*c), encoded && !f.conftest && !f.text_doctest);
  };
  auto result = discovery::discover(ctx.discovery, lookup);
  std::vector<store::CachedFile> changed;
  for (const auto* list : {&result.files, &result.conftest_files})
    for (const auto& f : *list)
      if (f.parsed || f.verified) changed.push_back(to_cached(f));
  if (!changed.empty()) {
    if (auto st = db.save_files(changed); !st.ok())
      std::fprintf(stderr, "fastest: warning: could not cache discovery: %s\n", st.error().message.c_str());
  }
  return result;
}

namespace {

bool under(const std::string& dir, const std::string& module) {
  return dir.empty() ||
         (module.size() > dir.size() && module.compare(0, dir.size(), dir) == 0 && module[dir.size()] == '/');
}

/// Counts pytest 7.2's whole collections of each module: once per file argument naming it
/// (a file argument is never skipped as a duplicate), plus once for the directory arguments
/// containing it (each of them with --keep-duplicates; otherwise the first walk marks it
/// collected and later walks skip it).
class WholeCollections {
 public:
  explicit WholeCollections(const RunContext& ctx) : m_ctx(ctx) {
    for (const auto& f : ctx.file_args) ++m_files[f];
  }
  int of(const std::string& module) const {
    auto it = m_files.find(module);
    int n = it == m_files.end() ? 0 : it->second;
    const auto& dirs = m_ctx.dir_args;
    int in_dirs = static_cast<int>(
        std::count_if(dirs.begin(), dirs.end(), [&](const std::string& d) { return under(d, module); }));
    return n + (m_ctx.keep_duplicates ? in_dirs : std::min(in_dirs, 1));
  }

 private:
  const RunContext& m_ctx;
  std::unordered_map<std::string, int> m_files;
};

/// Whether a node-id argument names a class (a collector) rather than a test function:
/// some static item continues it with "::".
bool names_a_class(const std::vector<base::TestItem>& items, const std::string& select) {
  return std::any_of(items.begin(), items.end(), [&](const base::TestItem& it) {
    return it.node_id.size() > select.size() + 2 && it.node_id.compare(0, select.size(), select) == 0 &&
           it.node_id.compare(select.size(), 2, "::") == 0;
  });
}

/// pytest 7.2's duplicate arguments. Node-id arguments naming test functions share their
/// items (the module's collection is cached, so two of them name a test once); every
/// other collection of the module makes new items and runs them again: each file or
/// directory argument that collects it whole (WholeCollections) and each argument naming
/// a class (pytest collects the matched class afresh). So `t.py::test_a t.py` runs test_a
/// twice. The first collection keeps the module's place (`selects` as before); each other
/// one is a repeat.
void add_repeats(const WholeCollections& whole, Suite& suite, const discovery::ParsedFile& f,
                 const std::vector<base::TestItem>& items) {
  const int n = whole.of(f.rel_path);
  auto sel = suite.selects.find(f.rel_path);
  if (sel == suite.selects.end()) {
    for (int i = 1; i < n; ++i) suite.repeats.push_back({f.rel_path, {}});
    return;
  }
  std::vector<std::string> functions, classes;
  for (auto& s : sel->second) (names_a_class(items, s) ? classes : functions).push_back(s);
  if (n == 0 && classes.size() + (functions.empty() ? 0 : 1) <= 1) return;  // one collection
  std::vector<std::vector<std::string>> named;
  if (!functions.empty()) named.push_back(std::move(functions));
  for (auto& c : classes) named.push_back({std::move(c)});
  auto rest = named.begin();
  if (n > 0) {
    suite.selects.erase(sel);
    for (int i = 1; i < n; ++i) suite.repeats.push_back({f.rel_path, {}});
  } else {
    sel->second = std::move(*rest++);
  }
  for (; rest != named.end(); ++rest) suite.repeats.push_back({f.rel_path, std::move(*rest)});
}

/// A module's static tests as the planner's inputs: its node-id arguments (`sel`, or none),
/// --collect-only --static's -k/-m (`filter`) and a run's sure -k/-m deselections
/// (`cost_filter`) applied. Mutable items give up their node ids.
template <class Items>
void add_tests(scheduler::ModuleInput& m, Items& items, const std::vector<std::string>* sel,
               const std::optional<StaticSelection>& filter, const std::optional<StaticSelection>& cost_filter) {
  m.tests.reserve(items.size());
  for (auto& it : items) {
    if ((sel && !selected_by(it.node_id, *sel)) || (filter && !filter->selects(it))) continue;
    const bool deselected = cost_filter && cost_filter->surely_deselects(it);
    if constexpr (std::is_const_v<Items>)
      m.tests.push_back({it.node_id, deselected});
    else
      m.tests.push_back({std::move(it.node_id), deselected});
  }
}

}  // namespace

namespace {

// A mutable `found` gives up its node ids (its items keep empty ones): no copy of every id
// when the caller has no further use for them.
template <class Found>
Suite make_suite(const RunContext& ctx, Found& found) {
  Suite suite;
  suite.errors = found.errors;
  for (const auto& s : ctx.node_selects) suite.selects[s.substr(0, s.find("::"))].push_back(s);
  // --collect-only --static applies -k/-m to what discovery saw (the workers do it otherwise).
  const bool static_only = ctx.opts.collect_only && ctx.opts.static_collect;
  std::optional<StaticSelection> filter;
  // A run leaves -k/-m to the workers, but a test they will surely deselect costs its batch
  // nothing: the planner counts it as 0 instead of its history or the module's mean.
  std::optional<StaticSelection> cost_filter;
  if (!ctx.opts.keyword.empty() || !ctx.opts.markexpr.empty())
    if (auto s = StaticSelection::make(ctx.opts.keyword, ctx.opts.markexpr); s.ok())
      (static_only ? filter : cost_filter) = std::move(s).value();
  const WholeCollections whole(ctx);
  // pytest-xdist's --dist loadgroup: modules with xdist_group marks share one worker.
  const bool loadgroup = ctx.opts.dist == "loadgroup";
  // pytest's collection order, so fifo and --collect-only list what pytest lists.
  for (std::size_t idx : found.collection_order) {
    auto& f = found.files[idx];
    // A file only a conftest's pytest_collect_file may collect: the pytest engine's worker
    // collects it as pytest does; the native engine does not run such hooks.
    if (f.hook_file && ctx.engine != "pytest") continue;
    suite.order.push_back(f.rel_path);
    if (f.error && !static_only && f.rel_path.ends_with(".py")) {
      // The worker that imports the module reports what Python says, in pytest's text (the
      // SyntaxError's caret and the import's frames); it also collects a file tree-sitter
      // misreads. The static message stays for --collect-only --static.
      suite.modules.push_back(scheduler::ModuleInput{f.rel_path, {}});
      suite.unparsed.insert(f.rel_path);
      continue;
    }
    if (f.error) {
      // pytest shows where the file broke; discovery's message is the bare reason.
      base::CollectionError e = *f.error;
      if (e.line > 0) e.message = e.file + ":" + std::to_string(e.line) + ": " + e.message;
      suite.errors.push_back(std::move(e));
      continue;
    }
    scheduler::ModuleInput m{f.rel_path, {}};
    // A cached file's items may still be the store's blob (discover_pass's keep_encoded):
    // its node ids straight from it when nothing reads the rest of an item, else decoded.
    const bool encoded = !f.encoded_items.empty();
    const bool whole_ids = !suite.selects.count(f.rel_path) && !filter && !cost_filter && !loadgroup;
    std::vector<base::TestItem> decoded;
    if (encoded && !whole_ids) decoded = store::decode_items(f.encoded_items, f.rel_path).value_or(decoded);
    add_repeats(whole, suite, f, encoded ? decoded : f.items);
    auto sel = suite.selects.find(f.rel_path);
    const std::vector<std::string>* selects = sel == suite.selects.end() ? nullptr : &sel->second;
    if (encoded && whole_ids) {
      m.tests.reserve(store::encoded_count(f.encoded_items));
      store::NodeIdReader ids(f.encoded_items, f.rel_path);
      for (std::string id; ids.next(id);) m.tests.push_back({std::move(id), false});
    } else if (encoded) {
      add_tests(m, decoded, selects, filter, cost_filter);
    } else {
      add_tests(m, f.items, selects, filter, cost_filter);
    }
    if (loadgroup) {
      const auto& items = encoded ? decoded : f.items;
      m.grouped = std::any_of(items.begin(), items.end(), [](const base::TestItem& t) {
        return std::find(t.markers.begin(), t.markers.end(), "xdist_group") != t.markers.end();
      });
    }
    // A module without statically visible tests still goes to a worker unless an argument
    // selected other tests in it: runtime collection is the truth (inherited, generated tests).
    if (!m.tests.empty() || sel == suite.selects.end()) suite.modules.push_back(std::move(m));
  }
  return suite;
}

}  // namespace

Suite build_suite(const RunContext& ctx, const discovery::Discovery& found) { return make_suite(ctx, found); }

Suite build_suite(const RunContext& ctx, discovery::Discovery&& found) { return make_suite(ctx, found); }

bool node_ids_overlap(std::string_view a, std::string_view b) { return base::ids_overlap(a, b); }

bool selected_by(std::string_view id, const std::vector<std::string>& selects) {
  return std::any_of(selects.begin(), selects.end(), [&](const std::string& s) { return node_ids_overlap(id, s); });
}

void clear_interrupt() {
  g_interrupted.store(false);
  g_signal.store(0);
}

void request_interrupt(int signal) {
  g_signal.store(signal);
  g_interrupted.store(true);
  if (auto* e = g_executor.load()) e->request_stop(true);
}

/// Prints the store's warnings from index `from` on (and hands them to the embedder);
/// returns how many there are now.
static std::size_t print_store_warnings(const store::HistoryStore& db, std::size_t from, const RunHooks& hooks) {
  const auto& all = db.warnings();
  for (std::size_t i = from; i < all.size(); ++i) {
    std::fprintf(stderr, "fastest: warning: %s\n", all[i].c_str());
    if (hooks.on_store_warning) hooks.on_store_warning(all[i]);
  }
  return all.size();
}

ExitCode run_tests(const Options& opts) {
  auto ctx_result = make_context(opts);
  if (!ctx_result.ok()) {
    std::fprintf(stderr, "%s\n", ctx_result.error().message.c_str());
    return ExitCode::usage_error;
  }
  return run_context(ctx_result.value());
}

ExitCode run_context(RunContext& ctx, const RunHooks& hooks) {
  const Options& opts = ctx.opts;
  PassTimer timer(opts.timings);
  ctx.observer = hooks.observer;
  ctx.terminal = hooks.terminal;
  auto db_result = open_store(ctx);
  if (!db_result.ok()) {
    std::fprintf(stderr, "fastest: internal error: %s\n", db_result.error().message.c_str());
    return ExitCode::internal_error;
  }
  auto& db = *db_result.value();
  std::size_t warned = print_store_warnings(db, 0, hooks);
  timer.mark("config");

  // Workers boot while discovery and planning run: the engine is guessed from the last
  // run (a forced one is known), confirmed after discovery, and replaced if it changed.
  const bool needs_workers = !(opts.collect_only && opts.static_collect);
  if (needs_workers) truncate_log_file(ctx);
  // --cache-clear empties pytest's cache before any worker's plugins read config.cache.
  if (needs_workers && !opts.collect_only) clear_pytest_cache(ctx);
  WorkerPool pool;
  if (needs_workers) {
    ctx.engine = provisional_engine(ctx);
    if (auto st = prestart_workers(ctx, pool, g_executor); !st.ok()) {
      std::fprintf(stderr, "fastest: internal error: %s\n", st.error().message.c_str());
      return ExitCode::internal_error;
    }
    ctx.cold_start = pool.cold_start;
  }
  timer.mark("prestart");

  if (needs_workers) note_file_collectors(ctx);
  auto found = discover_pass(ctx, db, /*keep_encoded=*/true);
  timer.mark("discover");
  if (needs_workers) {
    settle_engine(ctx, found);
    // `fastest verify` learns the choice here, whatever -q hides.
    if (const char* f = std::getenv("FASTEST_ENGINE_REPORT"); f && *f) std::ofstream(f) << ctx.engine_line << "\n";
    if (auto st = prestart_workers(ctx, pool, g_executor); !st.ok()) {
      std::fprintf(stderr, "fastest: internal error: %s\n", st.error().message.c_str());
      return ExitCode::internal_error;
    }
    timer.mark("engine");
    std::vector<std::string> conftests;
    for (const auto& c : found.conftests) conftests.push_back(c.abs_path.string());
    pool.executor->set_conftests(std::move(conftests));
    // pytest's --markers lists and exits before any collection.
    if (opts.show_markers) return show_listing(*pool.executor);
  }

  auto suite = build_suite(ctx, std::move(found));
  // What is left of discovery's items is freed before the run, not after it (17 MB at
  // 100,000 tests, all of it in the controller's peak); a static listing exits soon.
  if (needs_workers)
    found = discovery::Discovery{};
  else
    base::release_at_exit(std::move(found));
  if (needs_workers && opts.show_fixtures && !opts.collect_only) {
    // pytest's --fixtures collects, lists and runs nothing. The pytest engine's worker
    // collects the suite itself, as pytest does; the native one lists what it collected.
    std::vector<exec::WorkItem> items;
    if (ctx.engine != "pytest")
      for (const auto& m : suite.modules) items.push_back({.module = m.module, .collect_only = true});
    return show_listing(*pool.executor, std::move(items));
  }
  if (needs_workers && !opts.collect_only && !opts.show_fixtures &&
      option_bool(opts, "show_fixtures_per_test").value_or(false)) {
    // pytest's --fixtures-per-test collects, lists each test's fixtures and runs nothing.
    std::vector<exec::WorkItem> items;
    for (const auto& m : suite.modules) {
      auto sel = suite.selects.find(m.module);
      items.push_back({.id = static_cast<std::int64_t>(items.size()),
                       .module = m.module,
                       .select = sel == suite.selects.end() ? std::vector<std::string>{} : sel->second,
                       .collect_only = true});
    }
    return show_fixtures_per_test(*pool.executor, std::move(items), opts.verbose, suite.errors);
  }
  // A module that does not parse is sure to fail its collection: dispatched first, as a
  // remembered collection failure is, it interrupts the run before tests run (pytest's).
  if (!suite.unparsed.empty() && !opts.continue_on_collection_errors) save_collect_failures(ctx, suite.unparsed, {});
  Session session(ctx, db, std::move(suite.modules), std::move(suite.errors), std::move(suite.selects));
  session.use_pool(pool.executor.get());
  session.set_repeats(std::move(suite.repeats));
  session.set_collection_order(std::move(suite.order));
  timer.mark("plan");
  ExitCode code = opts.collect_only && opts.static_collect ? session.collect_static()
                  : opts.collect_only                      ? session.collect_runtime(g_executor)
                                                           : session.execute(g_executor, g_interrupted, g_signal);
  timer.mark("execute");
  if (opts.timings && pool.executor)
    std::fprintf(stderr, "[timings] workers ready %.1f ms after their start (%s engine, started before discovery)\n",
                 pool.executor->workers_ready_s() * 1000, pool.engine.c_str());
  // Store warnings raised during the run (a failed history read degrades --lf and the
  // plan; a failed write loses history) are shown once, after the summary.
  print_store_warnings(db, warned, hooks);
  base::release_at_exit(std::move(session));  // its 100,000 ids: the kernel's to drop at exit
  return code;
}

}  // namespace fastest::app
