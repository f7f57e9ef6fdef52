// Shard settings from the --shard flag and from CI systems' environment variables.

#include <charconv>
#include <string>

#include "scheduler/shard.h"

namespace fastest::scheduler {
namespace {

using base::ErrorCode;
using base::make_error;

struct CiVars {
  const char* system;
  const char* index_var;
  const char* total_var;
  int first_index;  // 1 for GitLab, 0 for the others
};

constexpr CiVars k_ci_systems[] = {
    {"GitLab CI", "CI_NODE_INDEX", "CI_NODE_TOTAL", 1},
    {"Buildkite", "BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT", 0},
    {"CircleCI", "CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", 0},
};

// Plain decimal digits only: no sign, no spaces, no "0x", fits an int.
std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::string> lookup(const EnvLookup& env, std::string_view name) {
  std::optional<std::string> v = env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

base::Result<std::optional<ShardSpec>> from_ci(const CiVars& ci, const std::optional<std::string>& index,
                                               const std::optional<std::string>& total) {
  const std::string where = std::string(ci.system) + ": ";
  if (!index || !total) {
    const char* missing = index ? ci.total_var : ci.index_var;
    const char* present = index ? ci.index_var : ci.total_var;
    return make_error(ErrorCode::usage, where + present + " is set but " + missing + " is not");
  }
  std::optional<int> n = parse_int(*total);
  if (!n || *n < 1)
    return make_error(ErrorCode::usage, where + ci.total_var + "='" + *total + "' is not a positive integer");
  std::optional<int> k = parse_int(*index);
  if (!k || *k < ci.first_index || *k - ci.first_index >= *n) {
    return make_error(ErrorCode::usage, where + ci.index_var + "='" + *index + "' is not an index from " +
                                            std::to_string(ci.first_index) + " to " +
                                            std::to_string(*n - 1 + ci.first_index) + " (" + ci.total_var + "=" +
                                            *total + ")");
  }
  return std::optional<ShardSpec>(ShardSpec{*k - ci.first_index, *n, ci.system});
}

}  // namespace

base::Result<ShardSpec> parse_shard_spec(std::string_view text) {
  const std::string quoted = "--shard '" + std::string(text) + "': ";
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos)
    return make_error(ErrorCode::usage, quoted + "expected K/N, for example 2/4 (shard 2 of 4)");
  std::optional<int> k = parse_int(text.substr(0, slash));
  std::optional<int> n = parse_int(text.substr(slash + 1));
  if (!k || !n) return make_error(ErrorCode::usage, quoted + "K and N must be whole numbers, as in 2/4");
  if (*n < 1) return make_error(ErrorCode::usage, quoted + "N must be at least 1");
  if (*k < 1 || *k > *n)
    return make_error(ErrorCode::usage, quoted + "K must be between 1 and N (shards are numbered from 1)");
  return ShardSpec{*k - 1, *n, "--shard"};
}

base::Result<std::optional<ShardSpec>> shard_from_env(const EnvLookup& env) {
  for (const CiVars& ci : k_ci_systems) {
    std::optional<std::string> index = lookup(env, ci.index_var);
    std::optional<std::string> total = lookup(env, ci.total_var);
    // GitLab sets CI_NODE_TOTAL=1 on every job that has no `parallel:`.
    if (!index && total && parse_int(*total) == 1) continue;
    if (index || total) return from_ci(ci, index, total);
  }
  return std::optional<ShardSpec>();
}

std::string to_string(const ShardSpec& spec) {
  return std::to_string(spec.index + 1) + "/" + std::to_string(spec.count);
}

}  // namespace fastest::scheduler
