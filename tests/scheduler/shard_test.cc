#include "scheduler/shard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <random>

#include "scheduler/suite_gen.h"

namespace fastest::scheduler {
namespace {

using testing::heavy_tailed_suite;
using testing::random_suite;
using testing::Suite;

// node id -> shard index, failing on a test seen twice.
std::map<std::string, int> owners(const Suite& s, const ShardPlan& plan) {
  std::map<std::string, int> owner;
  for (std::size_t k = 0; k < plan.shards.size(); ++k) {
    for (const ModuleInput& m : select_shard(s.modules, plan.shards[k])) {
      for (const TestInput& t : m.tests) {
        auto [it, inserted] = owner.emplace(t.node_id, static_cast<int>(k));
        EXPECT_TRUE(inserted) << t.node_id << " in shards " << it->second << " and " << k;
      }
    }
  }
  return owner;
}

TEST(ShardPartition, ShardsAreDisjointAndComplete) {
  for (unsigned seed = 1; seed <= 30; ++seed) {
    std::lognormal_distribution<double> dist(-2.0, 2.0);
    Suite s = random_suite(seed, 1 + static_cast<int>(seed % 23), 20, dist);
    for (int count : {1, 2, 3, 4, 7}) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " shards " + std::to_string(count));
      ShardPlan plan = partition_shards(s.modules, s.history, PlanOptions{}, count);
      ASSERT_EQ(plan.shards.size(), static_cast<std::size_t>(count));
      std::map<std::string, int> owner = owners(s, plan);
      std::size_t total = 0;
      for (const ModuleInput& m : s.modules) {
        total += m.tests.size();
        for (const TestInput& t : m.tests) EXPECT_TRUE(owner.contains(t.node_id)) << t.node_id;
      }
      EXPECT_EQ(owner.size(), total);
    }
  }
}

TEST(ShardPartition, EveryJobComputesTheSamePartition) {
  std::lognormal_distribution<double> dist(-2.0, 2.0);
  Suite s = random_suite(99, 50, 20, dist);
  History reordered;
  reordered.test_seconds.assign(s.history.test_seconds.rbegin(), s.history.test_seconds.rend());
  reordered.module_overhead = s.history.module_overhead;
  s.modules.push_back({"unseen.py", {{"unseen.py::t"}}});
  ShardPlan a = partition_shards(s.modules, s.history, PlanOptions{}, 4);
  ShardPlan b = partition_shards(s.modules, reordered, PlanOptions{}, 4);
  EXPECT_EQ(owners(s, a), owners(s, b));
  for (std::size_t k = 0; k < 4; ++k) EXPECT_EQ(a.shards[k].work_s, b.shards[k].work_s);
}

TEST(ShardPartition, HeavyTailedSuiteWithinFivePercentOfBalancedShare) {
  for (unsigned seed = 1; seed <= 100; ++seed) {
    Suite s = heavy_tailed_suite(seed, 60, 30.4);
    // A single test longer than the share cannot be split: then that test (plus its
    // module's import) is the floor instead.
    double indivisible = 0;
    for (const auto& [id, seconds] : s.history.test_seconds) indivisible = std::max(indivisible, seconds + 0.05);
    for (int count : {2, 3, 4}) {
      ShardPlan plan = partition_shards(s.modules, s.history, PlanOptions{}, count);
      double slowest = 0;
      for (const Shard& sh : plan.shards) slowest = std::max(slowest, sh.work_s);
      EXPECT_LE(slowest, std::max(plan.balanced_share_s, indivisible) * 1.05)
          << "seed " << seed << " shards " << count << " share " << plan.balanced_share_s;
    }
  }
}

TEST(ShardPartition, SplitsAModuleLargerThanTheShareAcrossShards) {
  Suite s;
  ModuleInput big{"big.py", {}};
  for (int i = 0; i < 20; ++i) {
    big.tests.push_back({"big.py::test_" + std::to_string(i)});
    s.history.test_seconds.emplace_back(big.tests.back().node_id, 0.5);
  }
  s.modules.push_back(big);
  s.modules.push_back({"small.py", {{"small.py::t"}}});
  s.history.test_seconds.emplace_back("small.py::t", 1.0);
  s.history.module_overhead = {{"big.py", 0.1}, {"small.py", 0.1}};
  ShardPlan plan = partition_shards(s.modules, s.history, PlanOptions{}, 2);
  EXPECT_FALSE(plan.shards[0].batches.empty());
  EXPECT_FALSE(plan.shards[1].batches.empty());
  for (const Shard& sh : plan.shards) EXPECT_LE(sh.work_s, plan.balanced_share_s * 1.05);
  owners(s, plan);
}

TEST(ShardPartition, PredictsEachShardsMakespanOnItsWorkers) {
  std::exponential_distribution<double> dist(1.0);
  Suite s = random_suite(5, 30, 10, dist);
  PlanOptions opts;
  opts.workers = 2;
  ShardPlan plan = partition_shards(s.modules, s.history, opts, 3);
  for (const Shard& sh : plan.shards) {
    // Independent oracle: each batch to the least-loaded of the shard's two workers.
    double a = 0, b = 0;
    for (const Batch& batch : sh.batches) (a <= b ? a : b) += batch.cost_s;
    EXPECT_NEAR(sh.predicted_makespan_s, std::max(a, b), 1e-9);
    EXPECT_LE(sh.predicted_makespan_s, sh.work_s);
    for (std::size_t i = 1; i < sh.batches.size(); ++i) EXPECT_GE(sh.batches[i - 1].cost_s, sh.batches[i].cost_s);
  }
}

TEST(ShardPartition, MoreShardsThanModulesLeavesSomeEmpty) {
  Suite s;
  s.modules.push_back({"a.py", {{"a.py::t"}}});
  ShardPlan plan = partition_shards(s.modules, s.history, PlanOptions{}, 3);
  ASSERT_EQ(plan.shards.size(), 3u);
  EXPECT_EQ(plan.shards[0].batches.size(), 1u);
  EXPECT_TRUE(select_shard(s.modules, plan.shards[2]).empty());
}

TEST(ShardSpecParse, AcceptsKOfN) {
  base::Result<ShardSpec> r = parse_shard_spec("2/4");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->index, 1);
  EXPECT_EQ(r->count, 4);
  EXPECT_EQ(to_string(*r), "2/4");
}

TEST(ShardSpecParse, RejectsMalformedValuesWithAMessage) {
  for (const char* bad :
       {"", "2", "0/4", "5/4", "2/0", "a/4", "2/b", "-1/4", "2/4/6", " 2/4", "2/4 ", "+2/4", "99999999999/4"}) {
    base::Result<ShardSpec> r = parse_shard_spec(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, base::ErrorCode::usage);
    EXPECT_NE(r.error().message.find("--shard"), std::string::npos) << r.error().message;
  }
}

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ShardEnv, NoVariablesMeansNoSharding) {
  base::Result<std::optional<ShardSpec>> r = shard_from_env(env_of({}));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

TEST(ShardEnv, GitLabIndexesFromOne) {
  auto r = shard_from_env(env_of({{"CI_NODE_INDEX", "3"}, {"CI_NODE_TOTAL", "3"}}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)->index, 2);
  EXPECT_EQ((*r)->count, 3);
  EXPECT_EQ((*r)->source, "GitLab CI");
}

TEST(ShardEnv, GitLabJobWithoutParallelIsNotSharded) {
  auto r = shard_from_env(env_of({{"CI_NODE_TOTAL", "1"}}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->has_value());
}

TEST(ShardEnv, BuildkiteAndCircleCiIndexFromZero) {
  auto bk = shard_from_env(env_of({{"BUILDKITE_PARALLEL_JOB", "0"}, {"BUILDKITE_PARALLEL_JOB_COUNT", "2"}}));
  ASSERT_TRUE(bk.ok()) << bk.error().message;
  EXPECT_EQ((*bk)->index, 0);
  EXPECT_EQ((*bk)->count, 2);
  EXPECT_EQ((*bk)->source, "Buildkite");
  auto cc = shard_from_env(env_of({{"CIRCLE_NODE_INDEX", "3"}, {"CIRCLE_NODE_TOTAL", "4"}}));
  ASSERT_TRUE(cc.ok()) << cc.error().message;
  EXPECT_EQ((*cc)->index, 3);
  EXPECT_EQ(to_string(**cc), "4/4");
}

// `message` names `variable` as a whole word (BUILDKITE_PARALLEL_JOB must not be
// satisfied by BUILDKITE_PARALLEL_JOB_COUNT).
bool names_variable(const std::string& message, const std::string& variable) {
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (std::size_t at = message.find(variable); at != std::string::npos; at = message.find(variable, at + 1)) {
    const std::size_t end = at + variable.size();
    if ((at == 0 || !is_word(message[at - 1])) && (end == message.size() || !is_word(message[end]))) return true;
  }
  return false;
}

TEST(ShardEnv, WholeWordMatchOfVariableNames) {
  EXPECT_TRUE(names_variable("bad BUILDKITE_PARALLEL_JOB=2", "BUILDKITE_PARALLEL_JOB"));
  EXPECT_FALSE(names_variable("bad BUILDKITE_PARALLEL_JOB_COUNT", "BUILDKITE_PARALLEL_JOB"));
}

TEST(ShardEnv, RejectsBadValuesNamingTheVariable) {
  const std::vector<std::pair<std::map<std::string, std::string>, std::string>> cases = {
      {{{"CI_NODE_INDEX", "0"}, {"CI_NODE_TOTAL", "3"}}, "CI_NODE_INDEX"},  // GitLab is 1-based
      {{{"CI_NODE_INDEX", "4"}, {"CI_NODE_TOTAL", "3"}}, "CI_NODE_INDEX"},
      {{{"CI_NODE_INDEX", "2"}}, "CI_NODE_TOTAL"},
      {{{"CI_NODE_INDEX", "1"}, {"CI_NODE_TOTAL", "zero"}}, "CI_NODE_TOTAL"},
      {{{"BUILDKITE_PARALLEL_JOB", "2"}, {"BUILDKITE_PARALLEL_JOB_COUNT", "2"}}, "BUILDKITE_PARALLEL_JOB"},
      {{{"BUILDKITE_PARALLEL_JOB_COUNT", "2"}}, "BUILDKITE_PARALLEL_JOB"},
      {{{"CIRCLE_NODE_INDEX", "-1"}, {"CIRCLE_NODE_TOTAL", "2"}}, "CIRCLE_NODE_INDEX"},
      {{{"CIRCLE_NODE_INDEX", "0"}, {"CIRCLE_NODE_TOTAL", "0"}}, "CIRCLE_NODE_TOTAL"},
  };
  for (const auto& [vars, variable] : cases) {
    auto r = shard_from_env(env_of(vars));
    ASSERT_FALSE(r.ok()) << variable;
    EXPECT_EQ(r.error().code, base::ErrorCode::usage);
    EXPECT_TRUE(names_variable(r.error().message, variable)) << variable << ": " << r.error().message;
  }
}

TEST(ShardEnv, EmptyValuesCountAsUnset) {
  auto r = shard_from_env(env_of({{"CI_NODE_INDEX", ""}, {"CI_NODE_TOTAL", ""}}));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

}  // namespace
}  // namespace fastest::scheduler
