#include "app/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace fastest::app {
namespace {
namespace fs = std::filesystem;
// Rootdir tests without an ini file need a temp dir whose parents hold none; a
// machine with one there fails them loudly rather than letting them check nothing.
constexpr const char* k_ini_above =
    "an ini file above the temp dir decides the rootdir "
    "(set TMPDIR to a directory without one): ";

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    m_root = fs::temp_directory_path() / ("fastest-config-" + std::to_string(rd()));
    fs::create_directories(m_root / "sub" / "tests");
  }
  void TearDown() override { fs::remove_all(m_root); }
  void write(const fs::path& rel, const std::string& text) { std::ofstream(m_root / rel) << text; }
  fs::path m_root;
};

TEST_F(ConfigTest, PytestIniMakesItsDirectoryTheRootdir) {
  write("pytest.ini", "[pytest]\ntestpaths = tests other\npython_files = check_*.py\n");
  auto c = resolve_config({m_root / "sub" / "tests"}, m_root, {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->rootdir, m_root);
  EXPECT_EQ(c->inifile, m_root / "pytest.ini");
  EXPECT_EQ(c->list("testpaths"), (std::vector<std::string>{"tests", "other"}));
  EXPECT_EQ(c->list("python_files"), (std::vector<std::string>{"check_*.py"}));
}

TEST_F(ConfigTest, PyprojectNeedsTheIniOptionsTable) {
  write("sub/pyproject.toml", "[project]\nname = 'x'\n");
  write("setup.cfg", "[tool:pytest]\nmarkers =\n    slow: slow tests\n    net: network\n");
  auto c = resolve_config({m_root / "sub" / "tests"}, m_root, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->rootdir, m_root);
  EXPECT_EQ(c->list("markers"), (std::vector<std::string>{"slow: slow tests", "net: network"}));
}

TEST_F(ConfigTest, PyprojectArraysAreLists) {
  write("sub/pyproject.toml", "[tool.pytest.ini_options]\ntestpaths = ['tests']\naddopts = '-q'\n");
  auto c = resolve_config({m_root / "sub" / "tests"}, m_root, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->rootdir, m_root / "sub");
  EXPECT_EQ(c->list("testpaths"), (std::vector<std::string>{"tests"}));
}

// pytest 7.2's load_config_dict_from_file keeps `str(v)` of each TOML scalar: an untyped
// getini of `true` is 'True' (measured), of `3` is '3' (toml++ had read 3 as a bool).
TEST_F(ConfigTest, PyprojectScalarsAreWhatPytestsStrGives) {
  write("sub/pyproject.toml",
        "[tool.pytest.ini_options]\nflag = true\noff = false\nnum = 3\nratio = 1.5\nwhole = 2.0\nname = 'x'\n");
  auto c = resolve_config({m_root / "sub" / "tests"}, m_root, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->list("flag"), (std::vector<std::string>{"True"}));
  EXPECT_EQ(c->list("off"), (std::vector<std::string>{"False"}));
  EXPECT_EQ(c->list("num"), (std::vector<std::string>{"3"}));
  EXPECT_EQ(c->list("ratio"), (std::vector<std::string>{"1.5"}));
  EXPECT_EQ(c->list("whole"), (std::vector<std::string>{"2.0"}));
  EXPECT_EQ(c->list("name"), (std::vector<std::string>{"x"}));
}

TEST_F(ConfigTest, MalformedFilesNameFileAndLine) {
  write("tox.ini", "[pytest]\nthis line has no separator\n");
  auto c = resolve_config({m_root / "sub"}, m_root, {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, base::ErrorCode::usage);
  EXPECT_NE(c.error().message.find("tox.ini:2"), std::string::npos) << c.error().message;
  fs::remove(m_root / "tox.ini");
  write("sub/pyproject.toml", "[tool.pytest.ini_options\n");
  auto t = resolve_config({m_root / "sub"}, m_root, {});
  ASSERT_FALSE(t.ok());
  // pytest's tomllib form: "<file>: <message> (at line L, column C)".
  EXPECT_NE(t.error().message.find("pyproject.toml: "), std::string::npos) << t.error().message;
  EXPECT_NE(t.error().message.find("(at line 1, column"), std::string::npos) << t.error().message;
}

TEST_F(ConfigTest, WithoutIniTheCommonAncestorIsTheRootdir) {
  write("sub/tests/test_a.py", "");
  auto c = resolve_config({m_root / "sub" / "tests" / "test_a.py", m_root / "sub"}, "/", {});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->inifile.empty()) << k_ini_above << c->inifile;
  EXPECT_EQ(c->rootdir, m_root / "sub");
}

TEST_F(ConfigTest, WithoutIniTheRootdirIsSharedWithTheInvocationDirectory) {
  // pytest: common ancestor of the invocation dir and the args, unless that is "/".
  write("sub/tests/test_a.py", "");
  auto c = resolve_config({m_root / "sub" / "tests"}, m_root / "sub", {});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->inifile.empty()) << k_ini_above << c->inifile;
  EXPECT_EQ(c->rootdir, m_root / "sub");
  auto far = resolve_config({m_root / "sub" / "tests"}, "/", {});
  ASSERT_TRUE(far.ok());
  ASSERT_TRUE(far->inifile.empty()) << k_ini_above << far->inifile;
  EXPECT_EQ(far->rootdir, m_root / "sub" / "tests");
}

TEST_F(ConfigTest, SetupPyMarksTheRootdir) {
  write("setup.py", "");
  auto c = resolve_config({m_root / "sub" / "tests"}, "/", {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->rootdir, m_root);
}

TEST_F(ConfigTest, MissingRootdirOverrideIsAUsageError) {
  auto c = resolve_config({m_root}, m_root, m_root / "nope");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, base::ErrorCode::usage);
  EXPECT_NE(c.error().message.find("--rootdir"), std::string::npos);
}

}  // namespace
}  // namespace fastest::app
