#pragma once
// `fastest verify [args]`: the user's own pytest and fastest on the same arguments,
// compared test by test (the proof that switching is safe).

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "app/options.h"

namespace fastest::app {

/// Runs both, prints every per-test difference, both wall times and their ratio and the
/// engine fastest chose. ok only when the outcomes (and exit codes) agree.
ExitCode run_verify(const std::vector<std::string>& args);

/// Test key ("classname::name") -> outcome (passed failed error skipped xfailed), from
/// pytest-style JUnit XML text. Of a test listed twice (a teardown error) the worst stays.
std::map<std::string, std::string> junit_outcomes(std::string_view xml);

/// pytest's JUnit test key ("classname::name") of a node id: "a/b.py::C::t[x]" -> "a.b.C::t[x]".
std::string junit_key(std::string_view nodeid);

/// Marks as xpassed the tests of `xpassed` (node ids) that JUnit wrote as passed (a
/// non-strict XPASS is a passing testcase there).
void mark_xpassed(std::map<std::string, std::string>& outcomes, const std::vector<std::string>& xpassed);

/// The two argument lists of a verify run, split from the user's.
struct VerifyArgs {
  std::vector<std::string> common;        ///< pytest-compatible arguments, for both runs
  std::vector<std::string> fastest_only;  ///< --python/--db/--engine/... for fastest alone
  std::string python;                     ///< --python's value ("" = the usual lookup)
  std::string workers;                    ///< -n's value ("" = not given)
};
VerifyArgs split_verify_args(const std::vector<std::string>& args);

}  // namespace fastest::app
