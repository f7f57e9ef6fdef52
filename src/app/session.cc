// Session, the selection and planning pass (see session.h; execute.cc runs the plan).
#include "app/session.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>

#include "app/collect_memory.h"
#include "app/run.h"
#include "scheduler/order.h"
#include "scheduler/shard.h"

namespace fastest::app {

Session::Session(const RunContext& ctx, store::HistoryStore& db, std::vector<scheduler::ModuleInput> modules,
                 std::vector<base::CollectionError> errors,
                 std::map<std::string, std::vector<std::string>> explicit_selects)
    : m_ctx(ctx),
      m_db(db),
      m_modules(std::move(modules)),
      m_errors(std::move(errors)),
      m_selects(std::move(explicit_selects)) {
  for (const auto& m : m_modules) m_static_total += m.tests.size();
}

void Session::count_full_modules() {
  // Taken before anything narrows m_modules; a static listing without a shard never needs it
  // (a map of 10,000 paths was a twentieth of a cached --collect-only --static).
  if (m_counted) return;
  for (const auto& m : m_modules) m_full_counts[m.module] = m.tests.size();
  m_counted = true;
}

base::Status Session::restrict_to_shard() {
  auto spec = shard_spec();
  if (!spec.ok()) return spec.error();
  // Without a shard every module is this job's: no history to load, no copy to make.
  if (!spec.value()) return base::ok_status();
  count_full_modules();
  scheduler::History history;
  auto recorded = m_db.history(planning_environment(m_ctx));
  history.test_seconds = std::move(recorded.test_seconds);
  history.module_overhead = std::move(recorded.module_overhead_seconds);
  scheduler::PlanOptions po;
  po.workers = m_ctx.workers;
  std::string name;
  auto mine = shard_modules(history, po, name);
  if (!mine.ok()) return mine.error();
  if (mine.value()) m_modules = std::move(*mine.value());
  m_static_total = 0;
  for (const auto& m : m_modules) m_static_total += m.tests.size();
  return base::ok_status();
}

ExitCode Session::collect_static() {
  if (auto st = restrict_to_shard(); !st.ok()) {
    std::fprintf(stderr, "ERROR: %s\n", st.error().message.c_str());
    return ExitCode::usage_error;
  }
  // One buffer and one write: 100,000 puts calls were a twentieth of the listing's instructions.
  std::string out;
  std::size_t bytes = 0;
  for (const auto& m : m_modules)
    for (const auto& t : m.tests) bytes += t.node_id.size() + 1;
  out.reserve(bytes + 64);
  for (const auto& m : m_modules)
    for (const auto& t : m.tests) out.append(t.node_id).push_back('\n');
  for (const auto& b : repeat_batches(m_modules)) {
    auto m = std::find_if(m_modules.begin(), m_modules.end(), [&](const auto& x) { return x.module == b.module; });
    for (const auto& t : m->tests)
      if (b.select.empty() || selected_by(t.node_id, b.select)) {
        out.append(t.node_id).push_back('\n');
        ++m_static_total;
      }
  }
  std::fflush(stdout);
  std::fwrite(out.data(), 1, out.size(), stdout);
  for (const auto& e : m_errors) std::printf("ERROR collecting %s:%d: %s\n", e.file.c_str(), e.line, e.message.c_str());
  std::printf("\n%zu test%s collected\n", m_static_total, m_static_total == 1 ? "" : "s");
  if (!m_errors.empty()) return ExitCode::interrupted;
  return m_static_total ? ExitCode::ok : ExitCode::no_tests;
}

void Session::apply_selects(scheduler::Plan& plan) const {
  std::vector<scheduler::Batch> kept;
  for (auto& b : plan.batches) {
    auto sel = m_selects.find(b.module);
    if (sel == m_selects.end()) {
      kept.push_back(std::move(b));
      continue;
    }
    // A slice keeps the explicit selections that fall inside it; a slice left with
    // none is dropped (an empty select would mean the whole module).
    std::vector<std::string> mine;
    for (const auto& s : sel->second)
      if (b.select.empty() ||
          std::any_of(b.select.begin(), b.select.end(), [&](const std::string& t) { return node_ids_overlap(t, s); }))
        mine.push_back(s);
    if (mine.empty()) continue;
    b.select = std::move(mine);
    kept.push_back(std::move(b));
  }
  plan.batches = std::move(kept);
}

std::vector<scheduler::Batch> Session::repeat_batches(const std::vector<scheduler::ModuleInput>& mine) const {
  std::vector<scheduler::Batch> out;
  if (m_repeats.empty()) return out;
  std::set<std::string> modules;
  for (const auto& m : mine) modules.insert(m.module);
  for (const auto& r : m_repeats) {
    if (!modules.count(r.module)) continue;
    scheduler::Batch b;
    b.module = r.module;
    b.select = r.select;
    // A whole repeat of a module --lf or a shard narrowed runs what the first one runs.
    if (auto sel = m_selects.find(r.module); b.select.empty() && sel != m_selects.end()) b.select = sel->second;
    out.push_back(std::move(b));
  }
  return out;
}

base::Result<std::optional<scheduler::ShardSpec>> Session::shard_spec() const {
  auto env = [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  std::optional<scheduler::ShardSpec> shard;
  if (!m_ctx.opts.shard.empty()) {
    auto s = scheduler::parse_shard_spec(m_ctx.opts.shard);
    if (!s.ok()) return s.error();
    shard = s.value();
  } else {
    auto s = scheduler::shard_from_env(env);
    if (!s.ok()) return s.error();
    shard = s.value();
  }
  if (shard && shard->count <= 1) shard.reset();
  return shard;
}

base::Result<std::optional<std::vector<scheduler::ModuleInput>>> Session::shard_modules(
    const scheduler::History& history, const scheduler::PlanOptions& po, std::string& schedule_name) {
  auto shard = shard_spec();
  if (!shard.ok()) return shard.error();
  std::optional<std::vector<scheduler::ModuleInput>> share;
  if (shard.value()) {
    auto parts = scheduler::partition_shards(m_modules, history, po, shard.value()->count);
    share = scheduler::select_shard(m_modules, parts.shards[static_cast<std::size_t>(shard.value()->index)]);
    schedule_name += ", shard " + scheduler::to_string(*shard.value());
  }
  for (const auto& m : share ? *share : m_modules) {
    // A module only partly in this shard (or selection) must send its test list.
    if (m.tests.size() < m_full_counts[m.module] && !m_selects.count(m.module)) {
      auto& sel = m_selects[m.module];
      for (const auto& t : m.tests) sel.push_back(t.node_id);
    }
  }
  return share;
}

base::Result<scheduler::Plan> Session::make_plan(std::string& schedule_name) {
  const auto& o = m_ctx.opts;
  count_full_modules();
  scheduler::History history;
  auto recorded = m_db.history(planning_environment(m_ctx));
  history.test_seconds = std::move(recorded.test_seconds);
  history.module_overhead = std::move(recorded.module_overhead_seconds);
  if (o.last_failed) apply_last_failed();
  if (o.stepwise) apply_stepwise();
  scheduler::PlanOptions po;
  po.workers = m_ctx.workers;
  schedule_name = o.schedule.empty() ? "history" : o.schedule;
  po.schedule = schedule_name == "fifo" ? scheduler::Schedule::fifo : scheduler::Schedule::history;

  auto share = shard_modules(history, po, schedule_name);
  if (!share.ok()) return share.error();
  const auto& mine = share.value() ? *share.value() : m_modules;
  auto plan = scheduler::make_plan(mine, history, po);
  apply_selects(plan);
  for (auto& b : repeat_batches(mine)) plan.batches.push_back(std::move(b));
  order_by_cache(plan, history, po.workers);
  if (!o.continue_on_collection_errors) {
    // An import error that persists interrupts the run before any test has run, as in pytest.
    auto broken = load_collect_failures(m_ctx);
    if (!broken.empty())
      scheduler::reorder_batches(
          plan, [&](const scheduler::Batch& b) { return broken.count(b.module) ? 0.0 : 1.0; }, po.workers);
  }
  return plan;
}

}  // namespace fastest::app
