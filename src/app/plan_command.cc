// `fastest plan [--shards N]`: what the scheduler would do, without running anything.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>

#include "app/commands.h"
#include "app/context.h"
#include "app/run.h"
#include "base/exit_release.h"
#include "scheduler/shard.h"

namespace fastest::app {
namespace {

/// "predictions were within 7% (median 3%) over the last 10 runs", or why there is no figure.
std::string accuracy_line(const store::PlanningRecord& r) {
  char buf[200];
  if (r.runs == 0) return "no past run with a prediction and a batch timeline yet: no accuracy figure";
  std::snprintf(buf, sizeof buf,
                "predictions were within %.0f%% (median %.0f%%) over the last %zu run%s; measured start-up %.2fs",
                r.worst_error * 100, r.median_error * 100, r.runs, r.runs == 1 ? "" : "s", r.startup_s);
  return buf;
}

}  // namespace

std::vector<WhatIfRow> shard_rows(const std::vector<scheduler::ModuleInput>& modules, const scheduler::CostIndex& index,
                                  const scheduler::PlanOptions& po, int from, int to, double startup_s) {
  std::vector<WhatIfRow> rows;
  for (int k = from; k <= to; ++k) {
    auto parts = scheduler::partition_shards(modules, index, po, k);
    double slowest = 0;
    for (const auto& s : parts.shards) slowest = std::max(slowest, s.predicted_makespan_s);
    rows.push_back({k, slowest + startup_s, slowest, parts.balanced_share_s, {}});
  }
  return rows;
}

std::vector<WhatIfRow> worker_rows(const std::vector<scheduler::ModuleInput>& modules,
                                   const scheduler::CostIndex& index, scheduler::PlanOptions po, int from, int to,
                                   double startup_s) {
  std::vector<WhatIfRow> rows;
  for (int k = from; k <= to; ++k) {
    po.workers = k;
    auto plan = scheduler::make_plan(modules, index, po);
    const scheduler::Batch* largest = nullptr;
    for (const auto& b : plan.batches)
      if (!largest || b.cost_s > largest->cost_s) largest = &b;
    std::string by = "total work / " + std::to_string(k);
    if (largest && largest->cost_s >= plan.total_s / k) {
      by = "batch " + largest->module;
      if (largest->slices > 1)
        by += " [slice " + std::to_string(largest->slice + 1) + "/" + std::to_string(largest->slices) + "]";
    }
    rows.push_back({k, plan.predicted_makespan_s + startup_s, plan.predicted_makespan_s, plan.lower_bound_s, by});
  }
  return rows;
}

namespace {

void print_shard_table(const std::vector<WhatIfRow>& rows, int workers) {
  std::printf(" shards  predicted CI wall time  slowest shard  balanced share  (%d worker%s per job)\n", workers,
              workers == 1 ? "" : "s");
  for (const auto& r : rows)
    std::printf("%7d  %22.2fs  %12.2fs  %13.2fs\n", r.count, r.predicted_wall_s, r.makespan_s, r.share_s);
}

void print_worker_table(const std::vector<WhatIfRow>& rows) {
  std::printf(" workers  predicted wall time  makespan  floor    floor set by\n");
  for (const auto& r : rows)
    std::printf("%8d  %18.2fs  %7.2fs  %6.2fs  %s\n", r.count, r.predicted_wall_s, r.makespan_s, r.share_s,
                r.floor_by.c_str());
}

/// `out += printf("%*.*f", width, precision, v)`, without printf's per-call cost (10,000 batch
/// lines: a tenth of `plan`'s instructions went to printf). to_chars gives printf's digits.
void append_fixed(std::string& out, double v, int width, int precision) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, precision);
  const std::size_t n = r.ec == std::errc() ? static_cast<std::size_t>(r.ptr - buf) : 0;
  if (n < static_cast<std::size_t>(width)) out.append(static_cast<std::size_t>(width) - n, ' ');
  out.append(buf, n);
}

/// The plan's summary and one line per batch, written at once.
void print_batches(const scheduler::Plan& plan) {
  char head[200];
  std::snprintf(head, sizeof head, "predicted makespan %.2fs; lower bound %.2fs; total work %.2fs\n",
                plan.predicted_makespan_s, plan.lower_bound_s, plan.total_s);
  std::string out = head;
  out.reserve(out.size() + plan.batches.size() * 48);
  for (const auto& b : plan.batches) {
    out += "  ";
    append_fixed(out, b.cost_s, 8, 3);
    out += b.estimated ? "s*  " : "s   ";
    if (b.worker >= 0) out += "w" + std::to_string(b.worker) + "  ";
    out += b.module;
    if (b.slices > 1) out += " [slice " + std::to_string(b.slice + 1) + "/" + std::to_string(b.slices) + "]";
    out += '\n';
  }
  out += "(* = estimated: no complete history; wN = the worker planned to run it, each worker's in this order)\n";
  std::fflush(stdout);
  std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

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
  auto found = discover_pass(ctx.value(), *db.value(), /*keep_encoded=*/true);
  auto suite = build_suite(ctx.value(), std::move(found));
  base::release_at_exit(std::move(found));  // what the suite did not take (the items' other fields)
  scheduler::History history;
  auto h = db.value()->history(planning_environment(ctx.value()));
  history.test_seconds = std::move(h.test_seconds);
  history.module_overhead = std::move(h.module_overhead_seconds);
  scheduler::PlanOptions po;
  po.workers = ctx->workers;
  po.schedule = opts.run.schedule == "fifo" ? scheduler::Schedule::fifo : scheduler::Schedule::history;
  std::size_t tests = 0;
  for (const auto& m : suite.modules) tests += m.tests.size();
  std::printf("%zu tests in %zu modules; %lld recorded runs; %d worker%s per job\n", tests, suite.modules.size(),
              static_cast<long long>(db.value()->run_count()), po.workers, po.workers == 1 ? "" : "s");
  if (opts.shards_from > 0 || opts.workers_from > 0) {
    auto record = db.value()->planning_record(10);
    const store::PlanningRecord r = record.ok() ? record.value() : store::PlanningRecord{};
    std::printf("%s\n", accuracy_line(r).c_str());
    const scheduler::CostIndex index(history);  // indexed once for every row of both tables
    if (opts.shards_from > 0)
      print_shard_table(shard_rows(suite.modules, index, po, opts.shards_from, opts.shards_to, r.startup_s),
                        po.workers);
    if (opts.workers_from > 0)
      print_worker_table(worker_rows(suite.modules, index, po, opts.workers_from, opts.workers_to, r.startup_s));
    return ExitCode::ok;
  }
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
  print_batches(plan);
  // The 100,000 ids of the suite and the history are the kernel's to drop at exit.
  base::release_at_exit(std::move(plan));
  base::release_at_exit(std::move(suite));
  base::release_at_exit(std::move(history));
  return ExitCode::ok;
}

}  // namespace fastest::app
