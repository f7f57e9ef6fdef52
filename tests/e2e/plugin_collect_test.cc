// Files an installed plugin's pytest_collect_file collects (pytest-doctestplus, pytest-flake8
// from their Debian .debs), through the real binary against pytest, test by test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

/// A plugin folder scripts/setup unpacks under third_party/ ("" when missing).
std::string site(const std::string& folder, const std::string& marker) {
  fs::path p = unpacked_site(folder);
  return fs::exists(p / marker) ? p.string() : "";
}

std::vector<std::string> split_args(const std::string& args) {
  std::vector<std::string> out;
  std::istringstream in(args);
  for (std::string a; in >> a;) out.push_back(a);
  return out;
}

/// "WORD node id" of each -rA short-summary line, sorted (the " - message" left out: pytest
/// shows none for a doctest's or flake8's failure, whose report has no crash line).
std::vector<std::string> outcomes(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);)
    for (const char* word : {"PASSED ", "FAILED ", "ERROR ", "SKIPPED ", "XFAIL "})
      if (l.starts_with(word)) lines.push_back(l.substr(0, l.find(" - ")));
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::string summary(const std::string& out) {
  auto end = out.rfind(" in ");
  auto start = out.rfind('\n', end);
  return end == std::string::npos || start == std::string::npos ? out : out.substr(start + 1, end - start - 1);
}

/// fastest (-n 1 and 2, auto engine) and pytest on `args`: the same tests, outcomes,
/// summary and exit code; the run's header says the pytest engine runs.
void expect_as_pytest(const std::string& env, const std::string& args) {
  FixtureProject p("plugin_collect_file");
  const RunOutput want = run_pytest(p, "-p no:cacheprovider -rA " + args, env);
  ASSERT_THAT(want.out, HasSubstr(" passed")) << args << "\n" << want.out << want.err;
  for (const char* n : {"1", "2"}) {
    std::vector<std::string> argv = {"-n", n, "-p", "no:cacheprovider", "-rA"};
    for (auto& a : split_args(args)) argv.push_back(a);
    auto r = p.run(argv, env);
    EXPECT_EQ(r.exit_code, want.exit_code) << args << "\n" << r.out << r.err;
    EXPECT_EQ(summary(r.out), summary(want.out)) << args << "\n" << r.out << "\n" << want.out;
    EXPECT_EQ(outcomes(r.out), outcomes(want.out)) << args << "\n" << r.out << "\n" << want.out;
    EXPECT_THAT(r.out, HasSubstr("\nengine: pytest (plugin ")) << r.out;
  }
}

// pytest-doctestplus' own collection: every .py module's doctests (the package's
// __init__.py too; __doctest_skip__, +FLOAT_CMP), .rst files with --doctest-rst, its
// --doctest-glob files; collect_ignore and its _build rule hold. Before, discovery sent
// none of them (only test_plain.py, whose batch picked up its doctests): 2 passed where
// pytest ran 1 failed, 4 passed.
TEST(EnginePytest, PluginCollectFileDoctestplusRunsAsInPytest) {
  const std::string dp = site("doctestplus", "pytest_doctestplus");
  ASSERT_FALSE(dp.empty()) << "third_party/doctestplus missing (scripts/setup fetches it)";
  const std::string env = "PYTHONPATH=" + shell_quote(dp);
  for (const char* args : {"--doctest-plus", "--doctest-plus --doctest-rst", "--doctest-plus --doctest-glob=*.txt",
                           "-o doctest_plus=enabled --doctest-rst"})
    expect_as_pytest(env, args);
}

// The listing is pytest's, in its order (a directory's files, then its subdirectories).
TEST(EnginePytest, PluginCollectFileListingIsPytests) {
  const std::string dp = site("doctestplus", "pytest_doctestplus");
  ASSERT_FALSE(dp.empty()) << "third_party/doctestplus missing (scripts/setup fetches it)";
  const std::string env = "PYTHONPATH=" + shell_quote(dp);
  FixtureProject p("plugin_collect_file");
  const RunOutput want = run_pytest(p, "-p no:cacheprovider --collect-only -q --doctest-plus --doctest-rst", env);
  auto r = p.run({"-p", "no:cacheprovider", "--collect-only", "-q", "--doctest-plus", "--doctest-rst"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find("\n\n")), want.out.substr(0, want.out.find("\n\n"))) << r.out << want.out;
}

// Installed but not turned on, a plugin's hook collects nothing: the files discovery hands
// the worker for it change neither the tests, nor the outcomes, nor the count (pytest's,
// and the same run without the plugin); `-p no:` keeps them from the walk altogether.
TEST(EnginePytest, PluginCollectFileInactivePluginChangesNothing) {
  const std::string fl = site("flake8", "pytest_flake8.py");
  const std::string dp = site("doctestplus", "pytest_doctestplus");
  ASSERT_FALSE(fl.empty()) << "third_party/flake8 missing (scripts/setup fetches it)";
  ASSERT_FALSE(dp.empty()) << "third_party/doctestplus missing (scripts/setup fetches it)";
  FixtureProject p("plugin_collect_file");
  const RunOutput plain = p.run({"-n", "2", "-p", "no:cacheprovider", "-rA"});
  ASSERT_EQ(plain.exit_code, 0) << plain.out << plain.err;
  ASSERT_THAT(plain.out, HasSubstr(" 1 passed in ")) << plain.out;
  for (const std::string& path : {fl, dp, fl + ":" + dp}) {
    const std::string env = "PYTHONPATH=" + shell_quote(path);
    const RunOutput want = run_pytest(p, "-p no:cacheprovider -rA", env);
    for (const char* n : {"1", "2"}) {
      auto r = p.run({"-n", n, "-p", "no:cacheprovider", "-rA"}, env);
      EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
      EXPECT_EQ(summary(r.out), summary(want.out)) << r.out << want.out;
      EXPECT_EQ(summary(r.out), summary(plain.out)) << r.out;
      EXPECT_EQ(outcomes(r.out), outcomes(want.out)) << r.out;
      EXPECT_THAT(r.err, IsEmpty()) << r.err;
    }
  }
  // Blocked, the plugin's files are not the walk's.
  auto blocked =
      p.run({"-p", "no:cacheprovider", "-p", "no:flake8", "--collect-only", "-q"}, "PYTHONPATH=" + shell_quote(fl));
  EXPECT_THAT(blocked.out, HasSubstr("1 test collected")) << blocked.out;
}

// pytest-flake8 turned on: a check item for every .py file, non-test modules included.
TEST(EnginePytest, PluginCollectFileFlake8RunsAsInPytest) {
  const std::string fl = site("flake8", "pytest_flake8.py");
  ASSERT_FALSE(fl.empty()) << "third_party/flake8 missing (scripts/setup fetches it)";
  expect_as_pytest("PYTHONPATH=" + shell_quote(fl), "--flake8");
}

}  // namespace
}  // namespace fastest::e2e
