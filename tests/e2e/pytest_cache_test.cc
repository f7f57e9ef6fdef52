// pytest's own cache files (.pytest_cache/v/cache/lastfailed, nodeids, stepwise) as the
// controller writes them, compared byte for byte with what pytest 7.2.1 leaves, starting
// from the same previous files (src/app/pytest_cache.cc).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

using ::testing::HasSubstr;

const char* const k_files[] = {"lastfailed", "nodeids", "stepwise"};

/// Two copies of the fixture, one for pytest and one for fastest, that start each run
/// from the same .pytest_cache (pytest's after the previous step).
class SideBySide {
 public:
  SideBySide() : m_pytest("pytest_cache_files"), m_fastest("pytest_cache_files") {}

  /// Runs both with `args` (and `env`), fastest with `own` too; returns fastest's output.
  RunOutput run(const std::vector<std::string>& args, const std::vector<std::string>& own,
                const std::string& env = "") {
    std::string cmd = "cd " + shell_quote(m_pytest.dir().string()) + " && " + env + " " + shell_quote(test_python()) +
                      " -m pytest -q -p no:randomly";
    for (const auto& a : args) cmd += " " + shell_quote(a);
    cmd += " >/dev/null 2>&1";
    (void)std::system(cmd.c_str());
    auto all = args;
    all.insert(all.end(), own.begin(), own.end());
    return m_fastest.run(all, env);
  }
  fs::path pytest_file(const char* name) const { return m_pytest.dir() / ".pytest_cache" / "v" / "cache" / name; }
  fs::path fastest_file(const char* name) const { return m_fastest.dir() / ".pytest_cache" / "v" / "cache" / name; }
  /// The next step starts from pytest's files in both copies.
  void sync() {
    std::error_code ec;
    fs::remove_all(m_fastest.dir() / ".pytest_cache", ec);
    fs::copy(m_pytest.dir() / ".pytest_cache", m_fastest.dir() / ".pytest_cache", fs::copy_options::recursive, ec);
  }
  const FixtureProject& fastest() const { return m_fastest; }

 private:
  FixtureProject m_pytest, m_fastest;
};

void expect_same_files(const SideBySide& s, const std::string& step) {
  for (const char* f : k_files) {
    ASSERT_TRUE(fs::exists(s.pytest_file(f))) << step << ": pytest wrote no " << f;
    EXPECT_EQ(slurp(s.fastest_file(f)), slurp(s.pytest_file(f))) << step << ": " << f;
  }
}

// A first run (failures, a setup and a teardown error, a module that fails to import), a
// run that fixes them all (the module's collection error becomes its items), a run with
// -k that leaves a known failure out, under both engines.
TEST(PytestCacheFiles, AreThoseAPlainPytestRunLeaves) {
  for (const char* engine : {"native", "pytest"}) {
    SideBySide s;
    const std::vector<std::string> own = {"-n", "2", "--engine", engine};
    auto r = s.run({"--continue-on-collection-errors"}, own);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    expect_same_files(s, std::string(engine) + " first run");
    EXPECT_EQ(slurp(s.fastest().dir() / ".pytest_cache" / "README.md").rfind("# pytest cache directory #", 0), 0u);
    EXPECT_TRUE(fs::exists(s.fastest().dir() / ".pytest_cache" / "CACHEDIR.TAG"));

    s.sync();
    (void)s.run({"-k", "not test_c2", "--continue-on-collection-errors"}, own);
    expect_same_files(s, std::string(engine) + " -k");

    s.sync();
    r = s.run({}, own, "PC_FAIL=0 PC_BROKEN=0");
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    expect_same_files(s, std::string(engine) + " fixed");
    EXPECT_THAT(slurp(s.fastest_file("lastfailed")), HasSubstr("\"tests/sub/test_b.py::test_b2\": true")) << engine;
  }
}

TEST(PytestCacheFiles, NotWrittenWithoutTheCachePlugin) {
  FixtureProject p("pytest_cache_files");
  auto r = p.run({"-p", "no:cacheprovider", "-n", "2", "--continue-on-collection-errors"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_FALSE(fs::exists(p.dir() / ".pytest_cache")) << r.out;
}

// cache_dir (relative to the rootdir), and --cache-clear emptying v/ and d/ first.
TEST(PytestCacheFiles, HonourCacheDirAndCacheClear) {
  FixtureProject p("pytest_cache_files");
  fs::create_directories(p.dir() / "elsewhere" / "d" / "plugin");
  fs::create_directories(p.dir() / "elsewhere" / "v" / "plugin");
  std::ofstream(p.dir() / "elsewhere" / "v" / "plugin" / "key") << "1";
  auto r = p.run({"-o", "cache_dir=elsewhere", "--cache-clear", "-n", "1", "tests/test_c.py"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_FALSE(fs::exists(p.dir() / ".pytest_cache")) << r.out;
  EXPECT_FALSE(fs::exists(p.dir() / "elsewhere" / "d" / "plugin"));
  EXPECT_FALSE(fs::exists(p.dir() / "elsewhere" / "v" / "plugin"));
  EXPECT_EQ(slurp(p.dir() / "elsewhere" / "v" / "cache" / "lastfailed"), "{\n  \"tests/test_c.py::test_c2\": true\n}");
  EXPECT_EQ(slurp(p.dir() / "elsewhere" / "v" / "cache" / "stepwise"), "[]");
}

// pytest rewrites nodeids every run; fastest leaves the file alone when it already lists
// this run's union in pytest's rendering (the same bytes), and rewrites it when an id is new.
TEST(PytestCacheFiles, NodeidsRewrittenOnlyWhenTheirListChanges) {
  FixtureProject p("pytest_cache_files");
  const fs::path nodeids = p.dir() / ".pytest_cache" / "v" / "cache" / "nodeids";
  auto r = p.run({"-n", "1", "tests/test_c.py"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const std::string first = slurp(nodeids);
  EXPECT_EQ(first, "[\n  \"tests/test_c.py::test_c1\",\n  \"tests/test_c.py::test_c2\"\n]");
  const auto long_ago = fs::file_time_type::clock::now() - std::chrono::hours(24 * 365);
  fs::last_write_time(nodeids, long_ago);

  r = p.run({"-n", "1", "tests/test_c.py"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(slurp(nodeids), first);
  EXPECT_EQ(fs::last_write_time(nodeids), long_ago) << "unchanged list: not rewritten";

  std::ofstream(p.dir() / "tests" / "test_c.py", std::ios::app) << "def test_c3(): pass\n";
  r = p.run({"-n", "1", "tests/test_c.py"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(slurp(nodeids),
            "[\n  \"tests/test_c.py::test_c1\",\n  \"tests/test_c.py::test_c2\",\n  \"tests/test_c.py::test_c3\"\n]");
  EXPECT_NE(fs::last_write_time(nodeids), long_ago);
}

}  // namespace
}  // namespace fastest::e2e
