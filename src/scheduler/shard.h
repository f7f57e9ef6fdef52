#pragma once
// CI sharding: one deterministic, history-balanced partition that every CI job computes
// independently, and the shard settings read from flags or CI environment variables.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "scheduler/cost_model.h"
#include "scheduler/plan.h"

namespace fastest::scheduler {

/// Which share of the suite this job runs. `--shard 2/4` is {index 1, count 4}.
struct ShardSpec {
  int index = 0;       ///< 0-based: 0 .. count-1
  int count = 1;       ///< number of shards, >= 1
  std::string source;  ///< where it came from: "--shard", "GitLab CI", "Buildkite", "CircleCI"
};

/// One shard's share: batches longest first (select empty = the whole module).
struct Shard {
  std::vector<Batch> batches;
  double work_s = 0;                ///< sum of batch costs: the shard's time on one worker
  double predicted_makespan_s = 0;  ///< the batches list-scheduled on PlanOptions::workers
};

struct ShardPlan {
  std::vector<Shard> shards;    ///< shards[i] is the job with ShardSpec::index == i
  double total_s = 0;           ///< sum of every module's cost, each overhead paid once
  double balanced_share_s = 0;  ///< total_s / shard count: what a perfect partition gives
};

/// Relative excess over the balanced share at which the partitioner stops splitting.
inline constexpr double k_shard_tolerance = 0.02;

/// Partitions the selection into `count` shards (count < 1 is treated as 1). Every test
/// lands in exactly one shard. LPT over module costs (ties by module path, then first
/// node id, then lowest shard index); while the heaviest shard exceeds the balanced share
/// by more than k_shard_tolerance, its largest module piece is halved (contiguous tests,
/// each piece pays the module overhead again) and the partition recomputed; the best
/// partition seen is kept. Costs are summed order-independently, so jobs that see the
/// same discovery and the same history compute the same shards.
/// opts.schedule and opts.split_modules do not apply here; opts.workers only feeds
/// Shard::predicted_makespan_s.
ShardPlan partition_shards(std::span<const ModuleInput> modules, const History& history, const PlanOptions& opts,
                           int count);
/// The same with a prebuilt index: a CI job partitions and then plans its shard with
/// make_plan(select_shard(...), index, opts), indexing the history once.
ShardPlan partition_shards(std::span<const ModuleInput> modules, const CostIndex& index, const PlanOptions& opts,
                           int count);

/// The modules and tests of one shard, in the input's (file) order: feed it to make_plan.
/// A module split into several pieces of the same shard comes back as one module.
std::vector<ModuleInput> select_shard(std::span<const ModuleInput> modules, const Shard& shard);

/// Parses "K/N" (1 <= K <= N, decimal) as given to --shard. Errors have code usage.
base::Result<ShardSpec> parse_shard_spec(std::string_view text);

/// Reads an environment variable; nullopt when unset. Lets the caller decide where the
/// environment comes from (getenv in the app, a map in tests).
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

/// Shard settings from CI variables, first match wins: GitLab CI_NODE_INDEX (1-based) /
/// CI_NODE_TOTAL, Buildkite BUILDKITE_PARALLEL_JOB (0-based) / BUILDKITE_PARALLEL_JOB_COUNT,
/// CircleCI CIRCLE_NODE_INDEX (0-based) / CIRCLE_NODE_TOTAL. nullopt when none is set
/// (empty counts as unset; a total of 1 without an index, as GitLab sets on jobs without
/// `parallel:`, counts as unset too); an error (code usage, message naming the variables and
/// values) when one of a pair is missing or a value is not a valid index.
base::Result<std::optional<ShardSpec>> shard_from_env(const EnvLookup& env);

/// "K/N", 1-based as the user writes it.
std::string to_string(const ShardSpec& spec);

}  // namespace fastest::scheduler
