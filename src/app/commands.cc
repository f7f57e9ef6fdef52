#include "app/commands.h"

#include <cstdio>
#include <fstream>

#include "app/context.h"
#include "app/embed.h"
#include "report/stats_view.h"
#include "store/history_store.h"

namespace fastest::app {
namespace {

report::TestRow to_row(const store::TestStat& t) {
  report::TestRow r;
  r.node_id = t.node_id;
  r.runs = t.runs;
  r.estimate_s = t.estimate_s;
  r.spread_s = t.spread_s;
  r.last_s = t.last_s;
  r.trend = t.trend;
  r.last_outcome = std::string(base::outcome_name(t.last_outcome));
  r.failures = t.failures;
  r.flips = t.flips;
  r.recent = t.recent;
  return r;
}

report::RunRow to_row(const store::RunSummary& s) {
  report::RunRow r;
  r.id = s.id;
  r.started_unix = s.started_unix;
  r.workers = s.info.workers;
  r.schedule = s.info.schedule;
  r.shard = s.info.shard;
  r.predicted_s = s.info.predicted_makespan_s;
  r.lower_bound_s = s.info.lower_bound_s;
  r.work_s = s.work_s;
  r.balance = s.balance;
  if (s.end) {
    r.actual_s = s.end->actual_makespan_s;
    r.exit_status = s.end->exit_status;
    r.passed = s.end->passed;
    r.failed = s.end->failed;
    r.errors = s.end->errors;
    r.skipped = s.end->skipped;
  }
  return r;
}

base::Result<report::StatsModel> load_model(store::HistoryStore& db, std::size_t top) {
  report::StatsModel m;
  auto tests = db.slowest_tests(top);
  auto flaky = db.flaky_tests(top);
  auto modules = db.slowest_modules(1u << 30);
  auto runs = db.recent_runs(10);
  if (!tests.ok()) return tests.error();
  if (!flaky.ok()) return flaky.error();
  if (!modules.ok()) return modules.error();
  if (!runs.ok()) return runs.error();
  for (const auto& t : tests.value()) m.slowest_tests.push_back(to_row(t));
  for (const auto& t : flaky.value()) m.flaky_tests.push_back(to_row(t));
  std::unordered_map<std::string, double> overhead;
  for (const auto& mod : modules.value()) {
    m.total_work_s += mod.estimate_s;
    overhead[mod.file] = mod.overhead_s;
    if (m.slowest_modules.size() < top)
      m.slowest_modules.push_back(
          {mod.file, mod.tests, mod.estimate_s, mod.overhead_s, mod.spread_s, mod.last_s, mod.trend});
  }
  for (const auto& t : tests.value()) {
    double unit = t.estimate_s + overhead[t.file];
    if (unit > m.largest_unit_s) {
      m.largest_unit_s = unit;
      m.largest_unit = t.node_id;
    }
  }
  for (const auto& r : runs.value()) m.runs.push_back(to_row(r));
  if (!m.runs.empty()) {
    auto spans = db.batches(m.runs.front().id);
    if (spans.ok())
      for (const auto& s : spans.value()) m.timeline.push_back({s.worker, s.module, s.start_s, s.end_s, s.tests});
  }
  m.cores = usable_cores();
  return m;
}

ExitCode fail(const base::Error& e) {
  std::fprintf(stderr, "fastest: error: %s\n", e.message.c_str());
  return e.code == base::ErrorCode::usage ? ExitCode::usage_error : ExitCode::internal_error;
}

}  // namespace

namespace {

ExitCode flaky_stats(const store::HistoryStore& db, const StatsOptions& opts) {
  auto rows = db.flakiness(opts.top);
  if (!rows.ok()) return fail(rows.error());
  std::vector<report::FlakyRow> view;
  for (const auto& f : rows.value()) view.push_back({f.node_id, f.runs, f.flips, f.flaky, f.flip_rate, f.last_commit});
  const auto kept = static_cast<std::size_t>(db.kept_runs());
  std::string text = opts.json ? report::render_flaky_json(view, kept) : report::render_flaky_text(view, kept);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return ExitCode::ok;
}

ExitCode regression_stats(const store::HistoryStore& db, const StatsOptions& opts) {
  auto rows = db.regressions(opts.ratio);
  if (!rows.ok()) return fail(rows.error());
  std::vector<report::RegressionRow> view;
  for (const auto& r : rows.value())
    view.push_back({r.name, r.module, r.env, r.before_s, r.after_s, r.commit, r.runs_before, r.runs_after});
  std::string text =
      opts.json ? report::render_regressions_json(view, opts.ratio) : report::render_regressions_text(view, opts.ratio);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return ExitCode::ok;
}

}  // namespace

ExitCode run_stats(const StatsOptions& opts) {
  auto path = project_db(opts.run);
  if (!path.ok()) return fail(path.error());
  if (!std::filesystem::exists(path.value())) {
    std::fprintf(stderr, "fastest stats: no history yet at %s (run fastest first)\n", path.value().c_str());
    return ExitCode::no_tests;
  }
  auto db = store::HistoryStore::open(path.value());
  if (!db.ok()) return fail(db.error());
  for (const auto& w : db.value()->warnings()) std::fprintf(stderr, "fastest: warning: %s\n", w.c_str());
  if (opts.flaky) return flaky_stats(*db.value(), opts);
  if (opts.regressions) return regression_stats(*db.value(), opts);
  auto model = load_model(*db.value(), opts.top);
  if (!model.ok()) return fail(model.error());
  model->db_path = path.value().string();
  if (!opts.html.empty()) {
    std::ofstream out(opts.html, std::ios::binary | std::ios::trunc);
    out << report::render_stats_html(model.value());
    if (!out) return fail(base::make_error(base::ErrorCode::io, "cannot write " + opts.html));
    std::fprintf(stderr, "fastest stats: wrote %s\n", opts.html.c_str());
  }
  std::string text = opts.json ? report::render_stats_json(model.value()) : report::render_stats_text(model.value());
  std::fwrite(text.data(), 1, text.size(), stdout);
  return ExitCode::ok;
}

}  // namespace fastest::app

namespace fastest::app {
namespace {

/// `fastest db query SQL`: sqlite3's default output (a header line, then rows, '|' between).
ExitCode db_query(const std::filesystem::path& path, const std::string& sql) {
  auto r = store::HistoryStore::query(path, sql);
  if (!r.ok()) return fail(r.error());
  std::string out;
  auto line = [&](const auto& cells, auto text) {
    for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "|" : "") + text(cells[i]);
    out += '\n';
  };
  line(r->columns, [](const std::string& c) { return c; });
  for (const auto& row : r->rows) line(row, [](const std::optional<std::string>& c) { return c.value_or(""); });
  std::fwrite(out.data(), 1, out.size(), stdout);
  return ExitCode::ok;
}

ExitCode db_check(const std::filesystem::path& path) {
  auto report = store::HistoryStore::check(path);
  if (!report.ok()) return fail(report.error());
  const auto& r = report.value();
  std::printf("%s: schema version %d, application id 0x%08x: %s\n", path.c_str(), r.schema_version,
              static_cast<unsigned>(r.application_id), r.ok ? "ok" : "PROBLEMS");
  for (const auto& p : r.problems) std::printf("  %s\n", p.c_str());
  return r.ok ? ExitCode::ok : ExitCode::tests_failed;
}

}  // namespace

ExitCode run_db(const DbOptions& opts) {
  namespace fs = std::filesystem;
  auto project = [&]() -> base::Result<fs::path> {
    if (!opts.db.empty()) return fs::path(opts.db);
    Options o;
    return project_db(o);
  };
  if (opts.action == "merge") {
    if (opts.inputs.empty() || opts.output.empty())
      return fail(base::make_error(base::ErrorCode::usage, "usage: fastest db merge A.db [B.db ...] -o OUT.db"));
    std::vector<fs::path> inputs(opts.inputs.begin(), opts.inputs.end());
    std::vector<std::string> warnings;
    auto st = store::HistoryStore::merge(inputs, opts.output, warnings);
    for (const auto& w : warnings) std::fprintf(stderr, "fastest: warning: %s\n", w.c_str());
    if (!st.ok()) return fail(st.error());
    std::printf("merged %zu database%s into %s\n", inputs.size() - warnings.size(),
                inputs.size() - warnings.size() == 1 ? "" : "s", opts.output.c_str());
    return ExitCode::ok;
  }
  if (opts.action == "export") {
    if (opts.inputs.size() != 1)
      return fail(base::make_error(base::ErrorCode::usage, "usage: fastest db export OUT.db [--db SOURCE.db]"));
    auto src = project();
    if (!src.ok()) return fail(src.error());
    auto db = store::HistoryStore::open(src.value());
    if (!db.ok()) return fail(db.error());
    if (auto st = db.value()->export_to(opts.inputs[0]); !st.ok()) return fail(st.error());
    std::printf("exported %s to %s\n", src.value().c_str(), opts.inputs[0].c_str());
    return ExitCode::ok;
  }
  if (opts.action == "check") {
    if (opts.inputs.size() > 1) return fail(base::make_error(base::ErrorCode::usage, "usage: fastest db check [PATH]"));
    if (opts.inputs.size() == 1) return db_check(opts.inputs[0]);
    auto src = project();
    if (!src.ok()) return fail(src.error());
    return db_check(src.value());
  }
  if (opts.action == "query") {
    std::string sql;
    for (const auto& part : opts.inputs) sql += (sql.empty() ? "" : " ") + part;
    if (sql.empty()) return fail(base::make_error(base::ErrorCode::usage, "usage: fastest db query 'SELECT ...'"));
    auto src = project();
    if (!src.ok()) return fail(src.error());
    return db_query(src.value(), sql);
  }
  if (opts.action == "prune") {
    auto src = project();
    if (!src.ok()) return fail(src.error());
    auto db = store::HistoryStore::open(src.value());
    if (!db.ok()) return fail(db.error());
    if (!(opts.max_age_days >= 0))
      return fail(base::make_error(base::ErrorCode::usage, "fastest db prune: --max-age wants days (>= 0)"));
    auto n = db.value()->prune(std::max(1, opts.keep_runs), opts.max_age_days);
    if (!n.ok()) return fail(n.error());
    // The freed pages go back to the file system: the documented bytes per result hold.
    if (auto st = db.value()->compact(); !st.ok()) return fail(st.error());
    char age[64] = "";
    if (opts.max_age_days > 0) std::snprintf(age, sizeof age, " younger than %g days", opts.max_age_days);
    std::printf("pruned %lld results (kept the last %d runs%s)\n", static_cast<long long>(n.value()),
                std::max(1, opts.keep_runs), age);
    return ExitCode::ok;
  }
  return fail(base::make_error(base::ErrorCode::usage, "unknown db action '" + opts.action +
                                                           "' (choose from merge, export, check, prune, query)"));
}

}  // namespace fastest::app
