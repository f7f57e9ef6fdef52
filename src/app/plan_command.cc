// `fastest plan [--shards N]`: what the scheduler would do, without running anything.
#include <cstdio>

#include "app/commands.h"
#include "app/context.h"
#include "app/run.h"
#include "scheduler/shard.h"

namespace fastest::app {

ExitCode run_plan(const PlanCommandOptions& opts) {
  auto ctx = make_context(opts.run, /*need_python=*/false);
  if (!ctx.ok()) {
    std::fprintf(stderr, "%s\n", ctx.error().message.c_str());
    return ExitCode::usage_error;
  }
  auto db = open_store(ctx.value());
  if (!db.ok()) {
    std::fprintf(stderr, "fastest: error: %s\n", db.error().message.c_str());
    return ExitCode::internal_error;
  }
  auto suite = build_suite(ctx.value(), discover_pass(ctx.value(), *db.value()));
  scheduler::History history;
  auto h = db.value()->history();
  history.test_seconds = std::move(h.test_seconds);
  history.module_overhead = std::move(h.module_overhead_seconds);
  scheduler::PlanOptions po;
  po.workers = ctx->workers;
  po.schedule = opts.run.schedule == "fifo" ? scheduler::Schedule::fifo : scheduler::Schedule::history;
  std::size_t tests = 0;
  for (const auto& m : suite.modules) tests += m.tests.size();
  std::printf("%zu tests in %zu modules; %lld recorded runs; %d worker%s per job\n", tests, suite.modules.size(),
              static_cast<long long>(db.value()->run_count()), po.workers, po.workers == 1 ? "" : "s");
  if (opts.shards > 0) {
    auto parts = scheduler::partition_shards(suite.modules, history, po, opts.shards);
    std::printf("total work %.2fs; balanced share %.2fs per shard\n", parts.total_s, parts.balanced_share_s);
    for (std::size_t i = 0; i < parts.shards.size(); ++i) {
      const auto& s = parts.shards[i];
      double ratio = parts.balanced_share_s > 0 ? s.work_s / parts.balanced_share_s : 1;
      std::printf("shard %zu/%zu: %zu batches, work %.2fs (%.1f%% of share), predicted %.2fs on %d worker%s\n", i + 1,
                  parts.shards.size(), s.batches.size(), s.work_s, ratio * 100, s.predicted_makespan_s, po.workers,
                  po.workers == 1 ? "" : "s");
    }
    return ExitCode::ok;
  }
  auto plan = scheduler::make_plan(suite.modules, history, po);
  std::printf("predicted makespan %.2fs; lower bound %.2fs; total work %.2fs\n", plan.predicted_makespan_s,
              plan.lower_bound_s, plan.total_s);
  for (const auto& b : plan.batches)
    std::printf(
        "  %8.3fs%s  %s%s\n", b.cost_s, b.estimated ? "*" : " ", b.module.c_str(),
        b.slices > 1 ? (" [slice " + std::to_string(b.slice + 1) + "/" + std::to_string(b.slices) + "]").c_str() : "");
  std::printf("(* = estimated: no complete history)\n");
  return ExitCode::ok;
}

}  // namespace fastest::app
