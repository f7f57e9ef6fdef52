// Static discovery against pytest 7's own collection on the discovery_* fixture projects:
// `fastest --collect-only --static` (and discover() with the same options) lists exactly
// the ids `pytest --collect-only -q` lists, in the same order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "discovery/discovery.h"
#include "e2e/e2e_util.h"

namespace fastest::discovery {
namespace {

using e2e::FixtureProject;
using e2e::shell_quote;
using e2e::test_python;

// The node ids of a `--collect-only -q` listing (pytest's or fastest's): the lines before
// the first blank line.
std::vector<std::string> listed_ids(const std::string& out) {
  std::vector<std::string> ids;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line) && !line.empty();) ids.push_back(line);
  return ids;
}

std::vector<std::string> pytest_ids(const FixtureProject& p, const std::vector<std::string>& args) {
  std::string cmd = "cd " + shell_quote(p.dir().string()) + " && " + shell_quote(test_python()) +
                    " -m pytest --collect-only -q -p no:cacheprovider";
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " 2>/dev/null";
  std::string out;
  if (FILE* f = popen(cmd.c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
    pclose(f);
  }
  return listed_ids(out);
}

std::vector<std::string> discovered_ids(const Config& cfg) {
  Discovery d = discover(cfg);
  std::vector<std::string> ids;
  for (std::size_t i : d.collection_order)
    for (const auto& it : d.files[i].items) ids.push_back(it.node_id);
  return ids;
}

Config fixture_config(const FixtureProject& p) {
  Config cfg;
  cfg.rootdir = p.dir();
  cfg.invocation_dir = p.dir();
  cfg.paths = {p.dir()};
  cfg.confcutdir = p.dir();  // the pytest.ini's directory
  return cfg;
}

TEST(DiscoveryAgreesWithPytest, ConftestIgnoresVenvsAndTextDoctests) {
  FixtureProject p("discovery_ignores");
  std::vector<std::string> expected = pytest_ids(p, {});
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(discovered_ids(fixture_config(p)), expected);
  EXPECT_EQ(listed_ids(p.run({"--collect-only", "--static", "--db", ":memory:"}).out), expected);
}

TEST(DiscoveryAgreesWithPytest, IgnoreIgnoreGlobAndDeselect) {
  FixtureProject p("discovery_ignores");
  std::vector<std::string> args = {"--ignore=sub", "--ignore-glob=*/pkg/*", "--deselect=test_main.py::TestGroup"};
  std::vector<std::string> expected = pytest_ids(p, args);
  ASSERT_FALSE(expected.empty());
  Config cfg = fixture_config(p);
  cfg.ignore = {"sub"};
  cfg.ignore_glob = {"*/pkg/*"};
  cfg.deselect = {"test_main.py::TestGroup"};
  EXPECT_EQ(discovered_ids(cfg), expected);
}

TEST(DiscoveryAgreesWithPytest, DoctestModules) {
  FixtureProject p("discovery_doctests");
  std::vector<std::string> expected = pytest_ids(p, {"--doctest-modules"});
  ASSERT_GT(expected.size(), 10u);
  Config cfg = fixture_config(p);
  cfg.doctest_modules = true;
  EXPECT_EQ(discovered_ids(cfg), expected);
  // Without --doctest-modules only the text file's doctest and the tests remain.
  EXPECT_EQ(discovered_ids(fixture_config(p)), pytest_ids(p, {}));
}

TEST(DiscoveryAgreesWithPytest, TestpathsAreGlobbedFromTheRootdir) {
  FixtureProject p("discovery_testpaths");
  std::vector<std::string> expected = pytest_ids(p, {});
  ASSERT_EQ(expected.size(), 3u);
  EXPECT_EQ(listed_ids(p.run({"--collect-only", "--static", "--db", ":memory:"}).out), expected);
}

TEST(DiscoveryAgreesWithPytest, DoctestModulesThroughTheCommandLine) {
  FixtureProject p("discovery_doctests");
  auto r = p.run({"--collect-only", "--static", "--doctest-modules", "--db", ":memory:"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(listed_ids(r.out), pytest_ids(p, {"--doctest-modules"}));
}

}  // namespace
}  // namespace fastest::discovery
