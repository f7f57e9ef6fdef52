#pragma once
// Test outcomes. Persisted in the store: numbers are fixed forever, never reused.

#include <optional>
#include <string_view>

namespace fastest::base {

enum class Outcome : int {
  passed = 1,
  failed = 2,
  error = 3,  ///< setup/teardown failure or collection error (pytest's "error")
  skipped = 4,
  xfailed = 5,
  xpassed = 6,
  crashed = 7,    ///< the worker died while running the test (counted as failed)
  timed_out = 8,  ///< killed after --timeout (counted as failed)
  flaky = 9,      ///< failed, then passed on a rerun (--reruns); fails the run only with --flaky-fails
};

/// pytest's lower-case word for the outcome ("passed", "xfailed", ...).
std::string_view outcome_name(Outcome o);
/// Inverse of outcome_name; nullopt for unknown words.
std::optional<Outcome> parse_outcome(std::string_view word);
/// True for outcomes that make the run exit 1 (failed, crashed, timed_out, error; not flaky).
bool is_failure(Outcome o);
/// The word pytest's summary line counts this outcome under ("failed" for crashes).
std::string_view summary_word(Outcome o);

}  // namespace fastest::base
