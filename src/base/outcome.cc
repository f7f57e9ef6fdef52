#include "base/outcome.h"

#include <array>
#include <utility>

namespace fastest::base {
namespace {
constexpr std::array<std::pair<Outcome, std::string_view>, 9> k_names{{
    {Outcome::passed, "passed"},
    {Outcome::failed, "failed"},
    {Outcome::error, "error"},
    {Outcome::skipped, "skipped"},
    {Outcome::xfailed, "xfailed"},
    {Outcome::xpassed, "xpassed"},
    {Outcome::crashed, "crashed"},
    {Outcome::timed_out, "timeout"},
    {Outcome::flaky, "flaky"},
}};
}  // namespace

std::string_view outcome_name(Outcome o) {
  for (const auto& [k, v] : k_names)
    if (k == o) return v;
  return "unknown";
}

std::optional<Outcome> parse_outcome(std::string_view word) {
  for (const auto& [k, v] : k_names)
    if (v == word) return k;
  return std::nullopt;
}

bool is_failure(Outcome o) {
  return o == Outcome::failed || o == Outcome::error || o == Outcome::crashed || o == Outcome::timed_out;
}

std::string_view summary_word(Outcome o) {
  if (o == Outcome::crashed || o == Outcome::timed_out) return "failed";
  return outcome_name(o);
}

}  // namespace fastest::base
