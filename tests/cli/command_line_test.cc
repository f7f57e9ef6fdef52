#include "app/command_line.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

namespace fastest::app {
namespace {
namespace fs = std::filesystem;

class CommandLineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    m_root = fs::temp_directory_path() / ("fastest-cli-" + std::to_string(rd()));
    fs::create_directories(m_root / "tests");
  }
  void TearDown() override { fs::remove_all(m_root); }
  void write(const fs::path& rel, const std::string& text) {
    fs::create_directories((m_root / rel).parent_path());
    std::ofstream(m_root / rel) << text;
  }
  base::Result<CommandLine> parse(const std::vector<std::string>& argv) {
    return parse_command_line(argv, m_root, [this](const std::string& k) -> std::optional<std::string> {
      auto it = m_env.find(k);
      return it == m_env.end() ? std::nullopt : std::optional(it->second);
    });
  }
  Options ok(const std::vector<std::string>& argv) {
    auto r = parse(argv);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r->options : Options{};
  }
  std::string error(const std::vector<std::string>& argv) {
    auto r = parse(argv);
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.error().message;
  }
  fs::path m_root;
  std::map<std::string, std::string> m_env;
};

using Strings = std::vector<std::string>;

TEST_F(CommandLineTest, IniAddoptsStringIsShlexSplitAndGoesFirst) {
  write("pytest.ini", "[pytest]\naddopts = -m 'not stress' --tb=short\n");
  auto o = ok({"-v", "tests"});
  EXPECT_EQ(o.markexpr, "not stress");
  EXPECT_EQ(o.tbstyle, "short");
  EXPECT_EQ(o.expanded_args, (Strings{"-m", "not stress", "--tb=short", "-v", "tests"}));
}

TEST_F(CommandLineTest, RootdirComesFromTheCommandLineNotFromAddoptsPaths) {
  write("pytest.ini", "[pytest]\naddopts = tests\n");
  auto o = ok({});
  EXPECT_EQ(o.args, (Strings{"tests"}));
  ASSERT_TRUE(o.rootdir_args.has_value());
  EXPECT_TRUE(o.rootdir_args->empty());
  EXPECT_EQ(ok({"tests"}).rootdir_args, (std::optional<Strings>{{(m_root / "tests").string()}}));
}

TEST_F(CommandLineTest, TomlAddoptsListIsTakenAsIs) {
  write("pyproject.toml",
        "[tool.pytest.ini_options]\naddopts = [\"-m\", \"not property\", \"-p\", \"no:cacheprovider\"]\n");
  auto o = ok({});
  EXPECT_EQ(o.markexpr, "not property");
  EXPECT_EQ(o.plugins, (Strings{"no:cacheprovider"}));
}

TEST_F(CommandLineTest, PytestAddoptsComesAfterIniAddoptsAndBeforeArgv) {
  write("pytest.ini", "[pytest]\naddopts = --tb=long -k a\n");
  m_env["PYTEST_ADDOPTS"] = "--tb=short -k b";
  auto o = ok({"-k", "c"});
  EXPECT_EQ(o.expanded_args, (Strings{"--tb=long", "-k", "a", "--tb=short", "-k", "b", "-k", "c"}));
  EXPECT_EQ(o.keyword, "c");
  EXPECT_EQ(o.tbstyle, "short");
  m_env["PYTEST_ADDOPTS"] = "--tb=bad";
  EXPECT_NE(error({}).find("invalid choice: 'bad'"), std::string::npos);
  EXPECT_NE(error({}).find("(via PYTEST_ADDOPTS)"), std::string::npos);
}

TEST_F(CommandLineTest, BadAddoptsNamesItsSource) {
  write("pytest.ini", "[pytest]\naddopts = --tb=bad\n");
  EXPECT_EQ(error({}),
            "ERROR: usage: fastest [options] [file_or_dir] [file_or_dir] [...]\nfastest: error: argument --tb: invalid "
            "choice: 'bad' (choose from 'auto', 'long', 'short', 'no', 'line', 'native') (via addopts config)");
}

TEST_F(CommandLineTest, OverrideIniReplacesAddoptsAndIsKept) {
  write("pytest.ini", "[pytest]\naddopts = -x\n");
  auto o = ok({"-o", "addopts=--tb=line", "-o", "xfail_strict=true"});
  EXPECT_EQ(o.maxfail, 0);
  EXPECT_EQ(o.tbstyle, "line");
  EXPECT_EQ(o.override_ini, (Strings{"addopts=--tb=line", "xfail_strict=true"}));
  EXPECT_EQ(error({"-o", "novalue"}), "ERROR: -o/--override-ini expects option=value style (got: 'novalue').");
}

TEST_F(CommandLineTest, ConfigFileOptionChoosesTheIni) {
  write("pytest.ini", "[pytest]\naddopts = -x\n");
  write("ci/other.ini", "[pytest]\naddopts = --maxfail=7\n");
  auto o = ok({"-c", "ci/other.ini"});
  EXPECT_EQ(o.maxfail, 7);
  EXPECT_EQ(o.inifile, "ci/other.ini");
}

TEST_F(CommandLineTest, ConftestOptionsWorkBeforeAndAfterPaths) {
  write("conftest.py",
        "def pytest_addoption(parser):\n"
        "    parser.addoption('--runslow', action='store_true')\n"
        "    parser.getgroup('x').addoption('--level', '-L', nargs='?')\n");
  auto before = ok({"--runslow", "--level", "3", "tests"});
  EXPECT_EQ(before.args, (Strings{"tests"}));
  EXPECT_EQ(before.expanded_args, (Strings{"--runslow", "--level", "3", "tests"}));
  auto after = ok({"tests", "--runslow", "-L", "2"});
  EXPECT_EQ(after.args, (Strings{"tests"}));
  // The worker parses their values; they are not in the `options` object.
  auto j = nlohmann::json::parse(after.options_json);
  EXPECT_FALSE(j.contains("runslow"));
  EXPECT_TRUE(ok({"--noconftest"}).args.empty());
  EXPECT_NE(error({"--noconftest", "--runslow"}).find("unrecognized arguments: --runslow"), std::string::npos);
}

TEST_F(CommandLineTest, PluginModulesNamedByDashPOrPytestPluginsAddOptions) {
  write("myplugin.py", "def pytest_addoption(parser):\n    parser.addoption('--from-p', action='store_true')\n");
  write("helpers/fixtures.py", "def pytest_addoption(parser):\n    parser.addoption('--from-list', nargs=1)\n");
  EXPECT_NE(error({"--from-p"}).find("unrecognized arguments: --from-p"), std::string::npos);
  EXPECT_TRUE(parse({"-p", "myplugin", "--from-p"}).ok());
  write("conftest.py", "pytest_plugins = ['helpers.fixtures']\n");
  auto o = ok({"--from-list", "x", "tests"});
  EXPECT_EQ(o.args, (Strings{"tests"}));
  // A plugin project's own package, found through PYTHONPATH (relative to the invocation dir).
  write("proj/greet/__init__.py", "def pytest_addoption(parser):\n    parser.addoption('--greet')\n");
  EXPECT_NE(error({"-p", "greet", "--greet=bob"}).find("unrecognized arguments: --greet=bob"), std::string::npos);
  m_env["PYTHONPATH"] = "elsewhere:proj";
  EXPECT_TRUE(parse({"-p", "greet", "--greet=bob"}).ok());
  m_env.erase("PYTHONPATH");
}

// `-p pytester` (hypothesis's addopts: `-p pytester --runpytest=subprocess`) loads pytest's own
// _pytest.pytester, whose options exist then, with their choices; so does a conftest's
// pytest_plugins naming it. Without it they are unknown, as in pytest.
TEST_F(CommandLineTest, BuiltinPytesterPluginAddsItsOptions) {
  EXPECT_NE(error({"--runpytest=subprocess"}).find("unrecognized arguments: --runpytest=subprocess"),
            std::string::npos);
  EXPECT_TRUE(parse({"-p", "pytester", "--runpytest=subprocess", "--lsof"}).ok());
  EXPECT_NE(error({"-p", "pytester", "--runpytest=bogus"})
                .find("argument --runpytest: invalid choice: 'bogus' (choose from 'inprocess', 'subprocess')"),
            std::string::npos);
  write("pytest.ini", "[pytest]\naddopts = -p pytester --runpytest=subprocess\npytester_example_dir = ex\n");
  EXPECT_TRUE(parse({"--strict-config"}).ok());
  write("pytest.ini", "[pytest]\n");
  write("conftest.py", "pytest_plugins = 'pytester'\n");
  auto o = ok({"--runpytest", "inprocess", "tests"});
  EXPECT_EQ(o.args, (Strings{"tests"}));
}

TEST_F(CommandLineTest, InstalledPluginsAreScannedOnlyForOptionsNothingElseKnows) {
  write("site/myplug.py",
        "def pytest_addoption(parser):\n    parser.addoption('--plug-flag', action='store_true')\n"
        "    parser.addini('plug_key', 'h')\n");
  int asked = 0;
  InstalledPlugins installed = [&](const std::string&) {
    ++asked;
    return std::vector<PluginFile>{{"myplug", m_root / "site" / "myplug.py"}};
  };
  m_env.clear();
  auto env = [this](const std::string& k) -> std::optional<std::string> {
    auto it = m_env.find(k);
    return it == m_env.end() ? std::nullopt : std::optional(it->second);
  };
  EXPECT_TRUE(parse_command_line({"-v"}, m_root, env, installed).ok());
  EXPECT_EQ(asked, 0);
  EXPECT_TRUE(parse_command_line({"--plug-flag"}, m_root, env, installed).ok());
  EXPECT_EQ(asked, 1);
  EXPECT_FALSE(parse_command_line({"-p", "no:myplug", "--plug-flag"}, m_root, env, installed).ok());
  m_env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1";
  EXPECT_FALSE(parse_command_line({"--plug-flag"}, m_root, env, installed).ok());
  EXPECT_TRUE(parse_command_line({"-p", "myplug", "--plug-flag"}, m_root, env, installed).ok());
  m_env.clear();
  write("pytest.ini", "[pytest]\nplug_key = 1\n");
  EXPECT_TRUE(parse_command_line({"--strict-config"}, m_root, env, installed).ok());
}

// Options an installed plugin owns when it loads: pytest-rerunfailures' --reruns, and
// pytest-cov's --cov, which fastest's workers cannot honour (a warning, not silence).
TEST_F(CommandLineTest, InstalledRerunfailuresAndCovAreNoticed) {
  write("site/pytest_rerunfailures.py", "def pytest_addoption(parser):\n    pass\n");
  write("site/pytest_cov/plugin.py",
        "def pytest_addoption(parser):\n    parser.addoption('--cov', action='append', nargs='?')\n"
        "    parser.addoption('--no-cov', action='store_true')\n");
  InstalledPlugins installed = [&](const std::string&) {
    return std::vector<PluginFile>{{"rerunfailures", m_root / "site" / "pytest_rerunfailures.py"},
                                   {"pytest_cov", m_root / "site" / "pytest_cov" / "plugin.py"}};
  };
  auto env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto run = [&](const Strings& argv) {
    auto cl = parse_command_line(argv, m_root, env, installed);
    EXPECT_TRUE(cl.ok()) << (cl.ok() ? "" : cl.error().message);
    return cl.ok() ? cl.value().options : Options{};
  };
  EXPECT_TRUE(run({"--reruns", "2"}).rerunfailures_loads);
  EXPECT_FALSE(run({"--reruns", "2", "-p", "no:rerunfailures"}).rerunfailures_loads);
  EXPECT_FALSE(run({}).rerunfailures_loads);
  EXPECT_TRUE(run({"--cov=pkg"}).pytest_cov_requested);
  EXPECT_TRUE(run({"--cov"}).pytest_cov_requested);
  EXPECT_FALSE(run({"--cov=pkg", "--no-cov"}).pytest_cov_requested);
  EXPECT_FALSE(run({"-v"}).pytest_cov_requested);
}

TEST_F(CommandLineTest, UnknownOptionIsPytestsUsageError) {
  std::string e = error({"tests", "--foo", "-n", "2"});
  EXPECT_EQ(e,
            "ERROR: usage: fastest [options] [file_or_dir] [file_or_dir] [...]\nfastest: error: unrecognized "
            "arguments: --foo\n  inifile: None\n  rootdir: " +
                m_root.string());
}

TEST_F(CommandLineTest, BadKeywordExpressionIsAUsageError) {
  EXPECT_EQ(error({"-k", "foo and ("}),
            "ERROR: Wrong expression passed to '-k': foo and (: at column 10: expected not OR left parenthesis OR "
            "identifier; got end of input");
  EXPECT_NE(error({"-m", "a b"}).find("Wrong expression passed to '-m': a b: at column 3"), std::string::npos);
}

TEST_F(CommandLineTest, MalformedConfigFilesNameTheFile) {
  write("pytest.ini", "[pytest]\naddopts -x\n");
  EXPECT_EQ(error({}), "ERROR: " + (m_root / "pytest.ini").string() + ":2: unexpected line: 'addopts -x'");
  fs::remove(m_root / "pytest.ini");
  write("tox.ini", "addopts = -x\n");
  EXPECT_EQ(error({}), "ERROR: " + (m_root / "tox.ini").string() + ":1: no section header defined");
  fs::remove(m_root / "tox.ini");
  write("pyproject.toml", "[tool.pytest.ini_options]\naddopts = \"-x\n");
  EXPECT_NE(error({}).find("ERROR: " + (m_root / "pyproject.toml").string() + ": "), std::string::npos);
  fs::remove(m_root / "pyproject.toml");
  write("setup.cfg", "[tool:pytest]\naddopts = -x \"-k\n");
  EXPECT_NE(error({}).find("setup.cfg: addopts: No closing quotation"), std::string::npos);
}

TEST_F(CommandLineTest, StrictConfigRefusesUnknownIniKeys) {
  write("pytest.ini", "[pytest]\nmarkers = a\nno_such_key = 1\n");
  EXPECT_TRUE(parse({}).ok());
  EXPECT_EQ(error({"--strict-config"}), "ERROR: Unknown config option: no_such_key\n");
  write("conftest.py", "def pytest_addoption(parser):\n    parser.addini('no_such_key', 'help')\n");
  EXPECT_TRUE(parse({"--strict-config"}).ok());
}

// pytest checks after collection: a conftest below the initial ones (tests/unit/ is
// not a test* directory of an argument) registers its ini names in time.
TEST_F(CommandLineTest, StrictConfigKnowsIniNamesOfConftestsBelowTheArguments) {
  write("pytest.ini", "[pytest]\ndeep_key = 1\n");
  write("tests/unit/conftest.py", "def pytest_addoption(parser):\n    parser.addini('deep_key', 'help')\n");
  EXPECT_TRUE(parse({"--strict-config"}).ok());
  write("node_modules/conftest.py", "def pytest_addoption(parser):\n    parser.addini('other_key', 'help')\n");
  write("pytest.ini", "[pytest]\nother_key = 1\n");
  EXPECT_EQ(error({"--strict-config"}), "ERROR: Unknown config option: other_key\n")
      << "norecursedirs are not collected";
}

TEST_F(CommandLineTest, FastestOnlyOptionsAreStrippedFromTheWorkersArgs) {
  auto o = ok({"-n", "3", "-vn2", "--timeout=5", "--engine", "pytest", "--static", "--co", "-x", "tests"});
  EXPECT_EQ(o.workers, 2);
  EXPECT_EQ(o.timeout_s, 5);
  EXPECT_EQ(o.engine, "pytest");
  EXPECT_EQ(o.expanded_args, (Strings{"-v", "--co", "-x", "tests"}));
  auto j = nlohmann::json::parse(o.options_json);
  EXPECT_EQ(j["maxfail"], 1);
  EXPECT_EQ(j["tbstyle"], "auto");
  EXPECT_EQ(j["verbose"], 1);
  EXPECT_TRUE(j["ignore"].is_null());
  EXPECT_FALSE(j.contains("numprocesses"));
}

TEST_F(CommandLineTest, ToolFastestSettingsRankBelowEnvAndCommandLine) {
  write("pyproject.toml", "[tool.fastest]\nworkers = 3\nschedule = \"fifo\"\ntimeout = 2.5\nengine = \"native\"\n");
  auto o = ok({});
  EXPECT_EQ(o.workers, 3);
  EXPECT_EQ(o.schedule, "fifo");
  EXPECT_EQ(o.timeout_s, 2.5);
  m_env["FASTEST_WORKERS"] = "5";
  m_env["FASTEST_SCHEDULE"] = "history";
  EXPECT_EQ(ok({}).workers, 5);
  EXPECT_EQ(ok({}).schedule, "history");
  EXPECT_EQ(ok({"-n", "1"}).workers, 1);
  m_env["FASTEST_WORKERS"] = "many";
  EXPECT_NE(error({}).find("FASTEST_WORKERS: "), std::string::npos);
}

TEST_F(CommandLineTest, ToolFastestUnknownKeyOrWrongTypeNamesKeyAndFile) {
  write("pyproject.toml", "[tool.fastest]\nworkerz = 3\n");
  std::string e = error({});
  EXPECT_NE(e.find("pyproject.toml: [tool.fastest]: unknown key 'workerz'"), std::string::npos) << e;
  write("pyproject.toml", "[tool.fastest]\ntimeout = \"soon\"\n");
  e = error({});
  EXPECT_NE(e.find("pyproject.toml: [tool.fastest] timeout: wrong type"), std::string::npos) << e;
}

TEST_F(CommandLineTest, HistorySettingsComeFromPytestsIniFileBelowToolFastest) {
  write("pytest.ini", "[pytest]\nquarantine_threshold = 0.35\nkeep_runs = 12\nretention_days = 7.5\n");
  auto o = ok({});
  EXPECT_DOUBLE_EQ(o.quarantine_threshold, 0.35);
  EXPECT_EQ(o.keep_runs, 12);
  EXPECT_DOUBLE_EQ(o.retention_days, 7.5);
  write("pyproject.toml", "[tool.fastest]\nquarantine_threshold = 0.5\n");
  EXPECT_DOUBLE_EQ(ok({}).quarantine_threshold, 0.5);
  m_env["FASTEST_KEEP_RUNS"] = "3";
  EXPECT_EQ(ok({}).keep_runs, 3);
  write("pytest.ini", "[pytest]\nretention_days = soon\n");
  std::string e = error({});
  EXPECT_NE(e.find("pytest.ini: retention_days: expected a number of days"), std::string::npos) << e;
}

TEST_F(CommandLineTest, HelpListsConftestOptions) {
  write("conftest.py", "def pytest_addoption(parser):\n    parser.addoption('--runslow', action='store_true')\n");
  auto r = parse({"--help"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, CommandLine::Kind::help);
  EXPECT_NE(r->text.find("--runslow"), std::string::npos);
  EXPECT_NE(r->text.find("--doctest-modules"), std::string::npos);
}

}  // namespace
}  // namespace fastest::app
