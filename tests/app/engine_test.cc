#include "app/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "app/file_collectors.h"

namespace fastest::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

EngineFacts plain() {
  EngineFacts f;
  f.native_hooks = {"pytest_configure", "pytest_addoption", "pytest_collection_modifyitems"};
  f.installed = {{"xdist", "xdist.plugin", "pytest_xdist-3.1.0", ""},
                 {"xdist.looponfail", "xdist.looponfail", "pytest_xdist-3.1.0", ""}};
  return f;
}

ConftestUse conftest(std::vector<std::string> hooks) {
  ConftestUse c;
  c.path = "tests/conftest.py";
  c.hooks = std::move(hooks);
  return c;
}

TEST(EngineChoice, PlainSuiteWithXdistInstalledRunsNative) {
  auto f = plain();
  f.conftests.push_back(conftest({"pytest_configure"}));
  auto c = choose_engine(f);
  EXPECT_EQ(c.engine, "native");
  EXPECT_EQ(c.reason, "");
  EXPECT_TRUE(c.unhonoured.empty());
  EXPECT_EQ(engine_header(c), "engine: native");
}

TEST(EngineChoice, HookOutsideTheNativeSetPicksPytestAndSaysWhich) {
  auto f = plain();
  f.conftests.push_back(conftest({"pytest_configure", "pytest_runtest_makereport"}));
  auto c = choose_engine(f);
  EXPECT_EQ(c.engine, "pytest");
  EXPECT_EQ(engine_header(c), "engine: pytest (tests/conftest.py defines pytest_runtest_makereport)");
}

TEST(EngineChoice, HookwrapperNeedsPytestEvenOnANativeHook) {
  auto f = plain();
  auto c = conftest({"pytest_collection_modifyitems", "pytest_configure"});
  c.hookwrappers = {"pytest_collection_modifyitems"};
  f.conftests.push_back(c);
  auto got = choose_engine(f);
  EXPECT_EQ(got.engine, "pytest");
  EXPECT_THAT(got.unhonoured, ElementsAre("tests/conftest.py defines pytest_collection_modifyitems (hookwrapper)"));
}

TEST(EngineChoice, PytestInternalsImportPicksPytest) {
  auto f = plain();
  auto c = conftest({});
  c.imports_pytest_internals = true;
  f.conftests.push_back(c);
  EXPECT_EQ(choose_engine(f).reason, "tests/conftest.py imports _pytest");
}

TEST(EngineChoice, PytestPluginsNamingABuiltinOrUnknownPluginPicksPytest) {
  auto f = plain();
  auto c = conftest({});
  c.pytest_plugins = {"pytester"};
  f.conftests.push_back(c);
  EXPECT_EQ(choose_engine(f).reason, "tests/conftest.py loads plugin pytester (pytest_plugins)");
}

TEST(EngineChoice, PytestPluginsNamingALocalModuleOrXdistStaysNative) {
  auto f = plain();
  auto c = conftest({});
  c.pytest_plugins = {"tests.helpers", "xdist.plugin"};
  f.conftests.push_back(c);
  f.local_plugin_modules = {"tests.helpers"};
  EXPECT_EQ(choose_engine(f).engine, "native");
}

TEST(EngineChoice, DashPNamingAPluginPicksPytestButNotBuiltinsXdistOrNo) {
  auto f = plain();
  f.plugin_args = {"no:cacheprovider", "doctest", "xdist"};
  EXPECT_EQ(choose_engine(f).engine, "native");
  f.plugin_args.push_back("myplugin");
  EXPECT_EQ(choose_engine(f).reason, "-p myplugin");
}

TEST(EngineChoice, InstalledEntryPointPluginPicksPytestUnlessDisabled) {
  auto f = plain();
  f.installed.push_back({"timeout", "pytest_timeout", "pytest_timeout-2.1.0", ""});
  EXPECT_EQ(choose_engine(f).reason, "plugin timeout is installed (pytest_timeout-2.1.0)");
  f.plugin_args = {"no:timeout"};
  EXPECT_EQ(choose_engine(f).engine, "native");
  f.plugin_args.clear();
  f.autoload_disabled = true;
  EXPECT_EQ(choose_engine(f).engine, "native");
}

TEST(EngineChoice, NoNameAlsoBlocksThePytestPrefixedEntryPoint) {
  auto f = plain();
  f.installed.push_back({"pytest_mock", "pytest_mock", "pytest_mock-3.10.0", ""});
  f.plugin_args = {"no:mock"};
  EXPECT_EQ(choose_engine(f).engine, "native");
}

TEST(EngineChoice, PytestPluginsEnvironmentPicksPytest) {
  auto f = plain();
  f.env_plugins = {"myproject.plugin"};
  EXPECT_EQ(choose_engine(f).reason, "PYTEST_PLUGINS names myproject.plugin");
}

TEST(EngineChoice, ForcedEngineIsKeptAndStillListsWhatNativeLacks) {
  auto f = plain();
  f.conftests.push_back(conftest({"pytest_runtest_makereport", "pytest_report_header"}));
  f.requested = "native";
  auto c = choose_engine(f);
  EXPECT_EQ(c.engine, "native");
  EXPECT_EQ(engine_header(c), "engine: native (--engine native)");
  EXPECT_THAT(c.unhonoured, ElementsAre("tests/conftest.py defines pytest_runtest_makereport",
                                        "tests/conftest.py defines pytest_report_header"));
  f.requested = "pytest";
  f.conftests.clear();
  EXPECT_EQ(choose_engine(f).engine, "pytest");
}

TEST(NativeHooks, ParsesTheAssignmentWhateverItsBrackets) {
  EXPECT_THAT(parse_native_hooks("x = 1\nNATIVE_HOOKS = frozenset({\n    \"pytest_configure\",  # c\n"
                                 "    'pytest_addoption',\n})\nOTHER = {'no'}\n"),
              ElementsAre("pytest_addoption", "pytest_configure"));
  EXPECT_THAT(parse_native_hooks("NATIVE_HOOKS: tuple = (\"a\", \"b\")\n"), ElementsAre("a", "b"));
  EXPECT_TRUE(parse_native_hooks("# NATIVE_HOOKS = {'x'}\n").empty());
  EXPECT_TRUE(parse_native_hooks("").empty());
}

// One source of truth: the list the C++ side reads from the embedded harness is the one
// Python sees when it imports the harness.
TEST(NativeHooks, EmbeddedListIsWhatThePythonHarnessDefines) {
  const auto& embedded = native_hooks();
  std::string cmd = "cd '" FASTEST_SOURCE_DIR
                    "/python' && /usr/bin/python3 -c 'from fastest_worker.hooks import NATIVE_HOOKS as h; "
                    "print(\"\\n\".join(sorted(h)))' 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  ASSERT_EQ(rc, 0) << "python/fastest_worker/hooks.py must define NATIVE_HOOKS";
  std::set<std::string> python;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) python.insert(line);
  EXPECT_EQ(embedded, python);
  EXPECT_TRUE(embedded.count("pytest_configure"));
}

TEST(PluginQuery, ParsesEntryPointsAndIgnoresJunk) {
  auto got = parse_plugin_query(
      R"({"dirs": [], "plugins": [{"name": "timeout", "module": "pytest_timeout", "dist": "pytest_timeout-2.1.0",
          "file": "/x/pytest_timeout.py"}, {"module": "nameless"}, 3]})");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].name, "timeout");
  EXPECT_EQ(got[0].file, "/x/pytest_timeout.py");
  EXPECT_TRUE(parse_plugin_query("not json").empty());
}

TEST(PluginQuery, FindsAnEntryPointOnPythonpathAndCachesIt) {
  namespace fs = std::filesystem;
  fs::path tmp = fs::temp_directory_path() / ("fastest-ep-" + std::to_string(::getpid()));
  fs::create_directories(tmp / "site" / "pytest_demo-1.0.dist-info");
  std::ofstream(tmp / "site" / "pytest_demo-1.0.dist-info" / "entry_points.txt")
      << "[console_scripts]\nx = y:z\n\n[pytest11]\ndemo = pytest_demo\n";
  std::ofstream(tmp / "site" / "pytest_demo.py") << "";
  std::string old = std::getenv("PYTHONPATH") ? std::getenv("PYTHONPATH") : "";
  setenv("PYTHONPATH", (tmp / "site").c_str(), 1);
  auto first = installed_pytest_plugins("/usr/bin/python3", tmp / "cache");
  auto second = installed_pytest_plugins("/usr/bin/python3", tmp / "cache");
  if (old.empty())
    unsetenv("PYTHONPATH");
  else
    setenv("PYTHONPATH", old.c_str(), 1);
  auto demo = [](const std::vector<InstalledPlugin>& v) {
    for (const auto& p : v)
      if (p.name == "demo") return p;
    return InstalledPlugin{};
  };
  EXPECT_EQ(demo(first).module, "pytest_demo");
  EXPECT_EQ(demo(first).dist, "pytest_demo-1.0");
  EXPECT_EQ(demo(first).file, (tmp / "site" / "pytest_demo.py").string());
  EXPECT_EQ(demo(second).module, "pytest_demo");
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp / "cache" / "entry-points"), fs::directory_iterator()), 1);
  fs::remove_all(tmp);
}

// Each entry point's collects_files comes with the cached answer, and an edit of a file it
// scanned (a stamp) asks again.
TEST(PluginQuery, SaysWhichPluginsDefinePytestCollectFileAndSeesTheirEdits) {
  namespace fs = std::filesystem;
  fs::path tmp = fs::temp_directory_path() / ("fastest-epc-" + std::to_string(::getpid()));
  fs::create_directories(tmp / "site" / "pytest_demo-1.0.dist-info");
  fs::create_directories(tmp / "site" / "pkgplug");
  std::ofstream(tmp / "site" / "pytest_demo-1.0.dist-info" / "entry_points.txt")
      << "[pytest11]\ndemo = pytest_demo\npkg = pkgplug.plugin\n";
  std::ofstream(tmp / "site" / "pytest_demo.py") << "def pytest_configure(config):\n    pass\n";
  std::ofstream(tmp / "site" / "pkgplug" / "__init__.py") << "";
  std::ofstream(tmp / "site" / "pkgplug" / "plugin.py") << "from .impl import Impl\n";
  std::ofstream(tmp / "site" / "pkgplug" / "impl.py") << "class Impl:\n    def pytest_collect_file(self): pass\n";
  std::string old = std::getenv("PYTHONPATH") ? std::getenv("PYTHONPATH") : "";
  setenv("PYTHONPATH", (tmp / "site").c_str(), 1);
  auto find = [&](const char* name) {
    for (const auto& p : installed_pytest_plugins("/usr/bin/python3", tmp / "cache"))
      if (p.name == name) return p;
    return InstalledPlugin{};
  };
  EXPECT_FALSE(find("demo").collects_files);
  EXPECT_TRUE(find("pkg").collects_files);  // a sibling module of its package defines it
  EXPECT_FALSE(find("demo").collects_files);
  // A new mtime on the scanned file: asked again.
  std::ofstream(tmp / "site" / "pytest_demo.py") << "def pytest_collect_file(file_path, parent):\n    pass\n";
  fs::last_write_time(tmp / "site" / "pytest_demo.py",
                      fs::last_write_time(tmp / "site" / "pytest_demo.py") + std::chrono::seconds(5));
  EXPECT_TRUE(find("demo").collects_files);
  auto env = plugin_environment("/usr/bin/python3", tmp / "cache");
  EXPECT_NE(std::find(env.sys_path.begin(), env.sys_path.end(), (tmp / "site").string()), env.sys_path.end());
  if (old.empty())
    unsetenv("PYTHONPATH");
  else
    setenv("PYTHONPATH", old.c_str(), 1);
  fs::remove_all(tmp);
}

CollectorFacts collector_facts(const std::filesystem::path& site) {
  CollectorFacts f;
  f.env.installed = {{"xdist", "xdist.plugin", "pytest_xdist-3.1.0", ""},
                     {"pytest_doctestplus", "pytest_doctestplus.plugin", "pytest_doctestplus-0.12.1", ""}};
  f.env.installed[1].collects_files = true;
  f.env.sys_path = {site.string()};
  return f;
}

// Which active plugin collects files: an entry point unless `-p no:` blocks it or autoload
// is off (then only a `-p` naming it); a -p / PYTEST_PLUGINS module found and scanned.
TEST(FileCollectors, AnActivePluginDefiningPytestCollectFileIsFound) {
  namespace fs = std::filesystem;
  fs::path site = fs::temp_directory_path() / ("fastest-fc-" + std::to_string(::getpid()));
  fs::create_directories(site);
  std::ofstream(site / "yamlplug.py") << "def pytest_collect_file(file_path, parent):\n    pass\n";
  std::ofstream(site / "quiet.py") << "def pytest_configure(config):\n    pass\n";
  CollectorFacts f = collector_facts(site);
  EXPECT_EQ(active_file_collector(f), "pytest_doctestplus");
  f.plugin_args = {"no:doctestplus"};
  EXPECT_EQ(active_file_collector(f), "");
  f.plugin_args = {"no:doctestplus", "quiet"};
  EXPECT_EQ(active_file_collector(f), "");
  f.plugin_args = {"no:doctestplus", "yamlplug"};
  EXPECT_EQ(active_file_collector(f), "yamlplug");
  f.plugin_args = {};
  f.autoload_disabled = true;
  EXPECT_EQ(active_file_collector(f), "");
  f.plugin_args = {"pytest_doctestplus"};
  EXPECT_EQ(active_file_collector(f), "pytest_doctestplus");
  f.plugin_args = {};
  f.env_plugins = {"quiet", "yamlplug"};
  EXPECT_EQ(active_file_collector(f), "yamlplug");
  // A conftest's pytest_plugins: its own directory first.
  fs::create_directories(site / "proj");
  std::ofstream(site / "proj" / "localplug.py") << "pytest_collect_file = None\n";
  EXPECT_TRUE(plugin_collects_files("localplug", f, {(site / "proj").string()}));
  EXPECT_FALSE(plugin_collects_files("localplug", f));
  EXPECT_FALSE(plugin_collects_files("xdist", f));
  fs::remove_all(site);
}

}  // namespace
}  // namespace fastest::app
