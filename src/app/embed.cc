#include "app/embed.h"

#include <unordered_map>

#include "app/run.h"

namespace fastest::app {
namespace fs = std::filesystem;

namespace {

class Forward final : public report::Reporter {
 public:
  explicit Forward(report::Reporter& target) : m_t(target) {}
  void on_start(const report::RunHeader& h) override { m_t.on_start(h); }
  void on_collect_error(const base::CollectionError& e) override { m_t.on_collect_error(e); }
  void on_result(const base::TestResult& r) override { m_t.on_result(r); }
  void on_batch_done(const std::string& module, std::int64_t batch) override { m_t.on_batch_done(module, batch); }
  void on_warning(const base::WarningRecord& w) override { m_t.on_warning(w); }
  void on_worker_header(const std::string& python, const std::vector<std::string>& lines) override {
    m_t.on_worker_header(python, lines);
  }
  void on_collection_done(const report::CollectionCounts& c) override { m_t.on_collection_done(c); }
  void on_info(const std::string& text) override { m_t.on_info(text); }
  void on_terminal_summary(const std::string& text, bool ran) override { m_t.on_terminal_summary(text, ran); }
  void on_suite_property(const std::string& name, const std::string& value) override {
    m_t.on_suite_property(name, value);
  }
  void on_progress_total(std::size_t total) override { m_t.on_progress_total(total); }
  void on_finish(const report::Summary& s) override { m_t.on_finish(s); }

 private:
  report::Reporter& m_t;
};

template <class T, class Query>
base::Result<T> query_history(const fs::path& db, std::vector<std::string>& warnings, Query query) {
  std::error_code ec;
  if (!fs::exists(db, ec)) return base::make_error(base::ErrorCode::io, "no history database at " + db.string());
  auto store = store::HistoryStore::open(db);
  if (!store.ok()) return store.error();
  const auto& w = store.value()->warnings();
  warnings.insert(warnings.end(), w.begin(), w.end());
  return query(*store.value());
}

}  // namespace

std::unique_ptr<report::Reporter> forward_to(report::Reporter& target) { return std::make_unique<Forward>(target); }

base::Result<StaticCollection> collect_static(const RunContext& ctx) {
  auto db = open_store(ctx);
  if (!db.ok()) return db.error();
  StaticCollection out;
  out.rootdir = ctx.ini.rootdir;
  out.warnings = db.value()->warnings();
  auto found = discover_pass(ctx, *db.value());
  std::unordered_map<std::string_view, const base::TestItem*> by_id;
  for (const auto& f : found.files)
    for (const auto& it : f.items) by_id.emplace(it.node_id, &it);
  // build_suite decides what is selected (node ids, -k/-m), exactly as --collect-only --static.
  auto suite = build_suite(ctx, found);
  for (const auto& m : suite.modules)
    for (const auto& t : m.tests)
      if (auto it = by_id.find(t.node_id); it != by_id.end()) out.items.push_back(*it->second);
  out.errors = std::move(suite.errors);
  return out;
}

base::Result<PlanSummary> plan_suite(const RunContext& ctx, const std::string& schedule) {
  auto db = open_store(ctx);
  if (!db.ok()) return db.error();
  PlanSummary out;
  out.warnings = db.value()->warnings();
  out.suite = build_suite(ctx, discover_pass(ctx, *db.value(), /*keep_encoded=*/true)).modules;
  auto h = db.value()->history();
  out.history.test_seconds = std::move(h.test_seconds);
  out.history.module_overhead = std::move(h.module_overhead_seconds);
  out.options.workers = ctx.workers;
  out.options.schedule = schedule == "fifo" ? scheduler::Schedule::fifo : scheduler::Schedule::history;
  for (const auto& m : out.suite) out.tests += m.tests.size();
  out.modules = out.suite.size();
  out.recorded_runs = db.value()->run_count();
  out.workers = ctx.workers;
  out.plan = scheduler::make_plan(out.suite, out.history, out.options);
  return out;
}

base::Result<fs::path> project_db(const Options& opts) {
  auto ctx = make_context(opts, /*need_python=*/false);
  if (!ctx.ok()) return ctx.error();
  if (ctx->db_path.empty())
    return base::make_error(base::ErrorCode::usage, "no database: --db :memory: keeps no history");
  return ctx->db_path;
}

base::Result<std::vector<store::TestStat>> slowest_tests(const fs::path& db, std::size_t top,
                                                         std::vector<std::string>& warnings) {
  return query_history<std::vector<store::TestStat>>(db, warnings,
                                                     [&](store::HistoryStore& s) { return s.slowest_tests(top); });
}

base::Result<std::vector<store::TestStat>> flaky_tests(const fs::path& db, std::size_t top,
                                                       std::vector<std::string>& warnings) {
  return query_history<std::vector<store::TestStat>>(db, warnings,
                                                     [&](store::HistoryStore& s) { return s.flaky_tests(top); });
}

base::Result<std::vector<store::RunSummary>> recent_runs(const fs::path& db, std::size_t count,
                                                         std::vector<std::string>& warnings) {
  return query_history<std::vector<store::RunSummary>>(db, warnings,
                                                       [&](store::HistoryStore& s) { return s.recent_runs(count); });
}

}  // namespace fastest::app
