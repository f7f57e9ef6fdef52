// The walk follows pytest's collection configuration: --ignore, --ignore-glob, conftest
// collect_ignore(_glob), pytest_ignore_collect, --deselect, --doctest-modules, --doctest-glob,
// confcutdir and --noconftest; conftest facts are cached with the discovery cache.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "discovery/discovery_test_util.h"

namespace fastest::discovery {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::TempTree;

constexpr const char* k_test = "def test_a():\n    pass\n";

std::vector<std::string> modules(const Discovery& d) {
  std::vector<std::string> out;
  for (std::size_t i : d.collection_order) out.push_back(d.files[i].rel_path);
  return out;
}

std::vector<std::string> all_ids(const Discovery& d) {
  std::vector<std::string> out;
  for (std::size_t i : d.collection_order)
    for (const auto& it : d.files[i].items) out.push_back(it.node_id);
  return out;
}

const ParsedFile* file(const Discovery& d, const std::string& rel) {
  for (const auto& f : d.files)
    if (f.rel_path == rel) return &f;
  return nullptr;
}

TEST(DiscoveryIgnore, IgnoreAndIgnoreGlobAreRelativeToTheInvocationDir) {
  TempTree t;
  for (const char* f : {"tests/test_a.py", "tests/test_b_old.py", "tests/skip/test_c.py", "tests/deep/x/test_d_old.py",
                        "tests/test_e.py"})
    t.write(f, k_test);
  Config cfg = t.config();
  cfg.invocation_dir = t.root() / "tests";
  cfg.ignore = {"skip/", "test_e.py"};
  cfg.ignore_glob = {"*_old.py"};  // fnmatch on the absolute path: '*' crosses '/'
  EXPECT_THAT(modules(discover(cfg)), ElementsAre("tests/test_a.py"));
}

TEST(DiscoveryIgnore, ExplicitFileArgumentsAreNeverIgnored) {
  TempTree t;
  fs::path a = t.write("test_a.py", k_test);
  Config cfg = t.config();
  cfg.invocation_dir = t.root();
  cfg.paths = {a};
  cfg.ignore = {"test_a.py"};
  EXPECT_THAT(modules(discover(cfg)), ElementsAre("test_a.py"));
}

TEST(DiscoveryIgnore, ConftestCollectIgnoreIsRelativeToTheConftest) {
  TempTree t;
  t.write("conftest.py", "collect_ignore = ['tests/test_top.py']\ncollect_ignore_glob = ['*/gen_*']\n");
  t.write("tests/conftest.py", "collect_ignore = ['legacy', 'test_mine.py']\n");
  for (const char* f : {"tests/test_top.py", "tests/test_mine.py", "tests/test_ok.py", "tests/legacy/test_l.py",
                        "tests/gen_1/test_g.py", "other/test_other.py"})
    t.write(f, k_test);
  Discovery d = discover(t.config());
  // tests/conftest.py defines collect_ignore, so the rootdir's list does not apply under
  // tests/ (the nearest conftest wins), but the rootdir's glob does.
  EXPECT_THAT(modules(d), ElementsAre("other/test_other.py", "tests/test_ok.py", "tests/test_top.py"));
  ASSERT_EQ(d.conftests.size(), 2u);
  EXPECT_EQ(d.conftests[0].rel_path, "conftest.py");
  EXPECT_EQ(d.conftests[1].rel_path, "tests/conftest.py");
  EXPECT_EQ(d.conftest_files.size(), 2u);
}

TEST(DiscoveryIgnore, UncertainIgnoresLeaveTheFileToTheWorker) {
  TempTree t;
  t.write("conftest.py",
          "import sys\ncollect_ignore = ['test_gone.py']\n"
          "if sys.version_info < (3, 8):\n    collect_ignore.append('test_maybe.py')\n");
  t.write("dyn/conftest.py", "collect_ignore = [p.name for p in here()]\n");
  t.write("hook/conftest.py", "def pytest_ignore_collect(collection_path, config):\n    return None\n");
  for (const char* f :
       {"test_gone.py", "test_maybe.py", "test_sure.py", "dyn/test_d.py", "hook/test_h.py", "hook/sub/test_hs.py"})
    t.write(f, k_test);
  Discovery d = discover(t.config());
  EXPECT_THAT(modules(d),
              ElementsAre("test_maybe.py", "test_sure.py", "dyn/test_d.py", "hook/test_h.py", "hook/sub/test_hs.py"));
  std::map<std::string, bool> decides;
  for (const auto& f : d.files) decides[f.rel_path] = f.worker_decides;
  EXPECT_TRUE(decides["test_maybe.py"]);
  EXPECT_FALSE(decides["test_sure.py"]);
  EXPECT_TRUE(decides["dyn/test_d.py"]);
  EXPECT_TRUE(decides["hook/test_h.py"]);
  EXPECT_TRUE(decides["hook/sub/test_hs.py"]);
}

// Session._collectfile: a conftest's pytest_collect_file sees every file below it; discovery
// keeps the ones the python and doctest plugins leave there for the worker (no static
// items; .py files outside python_files, the conftest itself, too), and nowhere else.
TEST(DiscoveryIgnore, FilesAConftestCollectFileHookMayCollectGoToTheWorker) {
  TempTree t;
  t.write("yaml/conftest.py", "def pytest_collect_file(parent, file_path):\n    return None\n");
  t.write("yaml/test_a.yaml", "a: ok\n");
  t.write("yaml/sub/data.json", "{}\n");
  t.write("yaml/test_p.py", k_test);
  t.write("yaml/helper.py", "x = (\n");  // not parsed: the worker's collection decides
  t.write("plain/test_b.yaml", "b: ok\n");
  t.write("plain/helper.py", k_test);
  t.write("plain/test_q.py", k_test);
  Discovery d = discover(t.config());
  EXPECT_THAT(modules(d), ElementsAre("plain/test_q.py", "yaml/conftest.py", "yaml/helper.py", "yaml/test_a.yaml",
                                      "yaml/test_p.py", "yaml/sub/data.json"));
  ASSERT_NE(file(d, "yaml/test_a.yaml"), nullptr);
  EXPECT_TRUE(file(d, "yaml/test_a.yaml")->hook_file);
  EXPECT_THAT(file(d, "yaml/test_a.yaml")->items, IsEmpty());
  EXPECT_FALSE(file(d, "yaml/test_a.yaml")->error.has_value());
  EXPECT_TRUE(file(d, "yaml/sub/data.json")->hook_file);
  EXPECT_TRUE(file(d, "yaml/helper.py")->hook_file);
  EXPECT_FALSE(file(d, "yaml/helper.py")->error.has_value());
  EXPECT_TRUE(file(d, "yaml/conftest.py")->hook_file);
  ASSERT_TRUE(file(d, "yaml/conftest.py")->conftest.has_value());  // still read as the conftest it is
  EXPECT_TRUE(file(d, "yaml/conftest.py")->conftest->defines("pytest_collect_file"));
  EXPECT_FALSE(file(d, "yaml/test_p.py")->hook_file);
  EXPECT_THAT(all_ids(d), ElementsAre("plain/test_q.py::test_a", "yaml/test_p.py::test_a"));
}

// An active plugin's pytest_collect_file (Config::plugin_collects_files) is asked about every
// file the walk does not ignore: all of them that neither python_files nor the doctest
// plugin take go to the worker; ignores, norecursedirs and __pycache__ hold as for any file.
TEST(DiscoveryIgnore, APluginCollectingFilesGetsEveryFileTheWalkKeeps) {
  TempTree t;
  t.write("conftest.py", "collect_ignore = ['gone.rst']\n");
  t.write("pkg/__init__.py", "");
  t.write("pkg/mod.py", "def f():\n    '>>> 1'\n");
  t.write("pkg/__pycache__/mod.cpython-311.pyc", "x");
  t.write("docs/index.rst", ">>> 1\n1\n");
  t.write("docs/test_notes.txt", ">>> 1\n1\n");
  t.write("gone.rst", "");
  t.write("build/x.rst", "");
  t.write("test_a.py", k_test);
  Config cfg = t.config();
  cfg.plugin_collects_files = true;
  Discovery d = discover(cfg);
  EXPECT_THAT(modules(d), ElementsAre("conftest.py", "test_a.py", "docs/index.rst", "docs/test_notes.txt",
                                      "pkg/__init__.py", "pkg/mod.py"));
  for (const char* hook : {"conftest.py", "docs/index.rst", "pkg/__init__.py", "pkg/mod.py"})
    EXPECT_TRUE(file(d, hook)->hook_file) << hook;
  EXPECT_FALSE(file(d, "docs/test_notes.txt")->hook_file);  // the doctest plugin's (test*.txt)
  EXPECT_FALSE(file(d, "test_a.py")->hook_file);
  EXPECT_THAT(all_ids(d), ElementsAre("test_a.py::test_a", "docs/test_notes.txt::test_notes.txt"));
  // Without such a plugin the same tree hands the worker nothing but its tests.
  EXPECT_THAT(modules(discover(t.config())), ElementsAre("test_a.py", "docs/test_notes.txt"));
}

// A conftest's pytest_plugins naming a plugin that defines pytest_collect_file: the files
// below that conftest go to the worker (the app answers which plugins do, once each).
TEST(DiscoveryIgnore, APytestPluginsPluginCollectingFilesGetsTheFilesBelowItsConftest) {
  TempTree t;
  t.write("a/conftest.py", "pytest_plugins = ['yamlplug', 'other']\n");
  t.write("a/data.yaml", "");
  t.write("b/data.yaml", "");
  Config cfg = t.config();
  std::map<std::string, int> asked;
  cfg.collecting_plugin = [&](const std::string& name, const std::string& conftest) {
    ++asked[name];
    EXPECT_EQ(conftest, (t.root() / "a" / "conftest.py").string());
    return name == "yamlplug";
  };
  Discovery d = discover(cfg);
  EXPECT_THAT(modules(d), ElementsAre("a/conftest.py", "a/data.yaml"));
  EXPECT_EQ(asked["yamlplug"], 1);
}

TEST(DiscoveryIgnore, ArgumentParentConftestsAreReadFromTheTopAndConfcutdirStopsThem) {
  TempTree t;
  t.write("conftest.py", "collect_ignore = ['a/b/test_x.py']\n");
  t.write("a/conftest.py", "def pytest_configure(config): pass\n");
  t.write("a/b/test_x.py", k_test);
  t.write("a/b/test_y.py", k_test);
  Config cfg = t.config();
  cfg.paths = {t.root() / "a" / "b"};
  Discovery d = discover(cfg);
  EXPECT_THAT(modules(d), ElementsAre("a/b/test_y.py"));
  ASSERT_EQ(d.conftests.size(), 2u);
  EXPECT_EQ(d.conftests[0].rel_path, "conftest.py");
  EXPECT_THAT(d.conftests[1].hooks, ElementsAre("pytest_configure"));
  cfg.confcutdir = t.root() / "a";  // conftests above it are not read
  d = discover(cfg);
  EXPECT_THAT(modules(d), ElementsAre("a/b/test_x.py", "a/b/test_y.py"));
  ASSERT_EQ(d.conftests.size(), 1u);
  cfg.noconftest = true;
  EXPECT_THAT(discover(cfg).conftests, IsEmpty());
}

TEST(DiscoveryDeselect, PrefixesDropStaticItems) {
  TempTree t;
  t.write("test_a.py", "def test_one(): pass\ndef test_one_more(): pass\ndef test_two(): pass\n");
  Config cfg = t.config();
  cfg.deselect = {"test_a.py::test_one"};  // str.startswith, as pytest compares
  Discovery d = discover(cfg);
  EXPECT_THAT(all_ids(d), ElementsAre("test_a.py::test_two"));
  EXPECT_EQ(d.deselected, 2u);
}

TEST(DiscoveryDoctests, DoctestModulesFollowPytestsFileRules) {
  TempTree t;
  const char* doc = "'''\n>>> 1\n1\n'''\n";
  t.write("conftest.py", doc);
  t.write("setup.py", std::string(doc) + "import setuptools\n");
  t.write("__main__.py", doc);
  t.write("testdoc.txt", ">>> 1\n1\n");
  t.write("notes.txt", ">>> 1\n1\n");  // not test*.txt
  t.write("pkg/__init__.py", doc);
  t.write("pkg/a.py", doc);
  t.write("pkg/sub/mod.py", doc);  // pkg/sub has no __init__.py: module name "mod"
  t.write("pkg/Upper.py", doc);    // sorts before __init__.py, yet the package init comes first
  t.write("b/test_b.py", std::string(doc) + k_test);
  t.write("b/ignored.py", doc);
  Config cfg = t.config();
  cfg.doctest_modules = true;
  cfg.invocation_dir = t.root();
  cfg.ignore = {"b/ignored.py"};
  Discovery d = discover(cfg);
  EXPECT_THAT(all_ids(d), ElementsAre("conftest.py::conftest", "testdoc.txt::testdoc.txt", "b/test_b.py::test_b",
                                      "b/test_b.py::test_a", "pkg/__init__.py::pkg", "pkg/Upper.py::pkg.Upper",
                                      "pkg/a.py::pkg.a", "pkg/sub/mod.py::mod"));
  // conftest.py is a module here, and its facts are still read.
  ASSERT_NE(file(d, "conftest.py"), nullptr);
  EXPECT_TRUE(file(d, "conftest.py")->conftest.has_value());
  EXPECT_EQ(d.conftests.size(), 1u);
  EXPECT_THAT(d.conftest_files, IsEmpty());
}

TEST(DiscoveryDoctests, TextFilesWithoutDoctestModulesAndCustomGlobs) {
  TempTree t;
  t.write("test_readme.txt", "Intro\n>>> 2\n2\n");
  t.write("test_empty.txt", "no examples\n");
  t.write("docs/guide.rst", ">>> 3\n3\n");
  t.write("mod.py", "'''>>> 1'''\n");
  Config cfg = t.config();
  EXPECT_THAT(all_ids(discover(cfg)), ElementsAre("test_readme.txt::test_readme.txt"));
  cfg.doctest_glob = {"*.rst"};
  EXPECT_THAT(all_ids(discover(cfg)), ElementsAre("docs/guide.rst::guide.rst"));
}

TEST(DiscoveryDoctests, ImportlibModeNamesModulesFromTheRootdir) {
  TempTree t;
  t.write("a/b/mod.py", "'''>>> 1'''\n");
  Config cfg = t.config();
  cfg.doctest_modules = true;
  cfg.import_mode = "importlib";
  EXPECT_THAT(all_ids(discover(cfg)), ElementsAre("a/b/mod.py::a.b.mod"));
}

// A cache that keeps what discover() hands back, as the store does.
struct MemoryCache {
  std::map<std::string, ParsedFile> rows;
  CacheLookup lookup() {
    return [this](const SourceFile& f) -> std::optional<ParsedFile> {
      auto it = rows.find(f.rel_path);
      if (it == rows.end() || it->second.size != f.size || it->second.mtime_ns != f.mtime_ns) return std::nullopt;
      return it->second;
    };
  }
  void save(const Discovery& d) {
    for (const auto* list : {&d.files, &d.conftest_files})
      for (const auto& f : *list)
        if (f.parsed) rows[f.rel_path] = f;
  }
};

TEST(DiscoveryCache, ConftestFactsAreCachedAndAnEditChangingCollectIgnoreIsSeen) {
  TempTree t;
  fs::path conftest = t.write("conftest.py", "collect_ignore = ['test_b.py']\n");
  t.write("test_a.py", k_test);
  t.write("test_b.py", k_test);
  MemoryCache cache;
  Discovery first = discover(t.config(), cache.lookup());
  cache.save(first);
  EXPECT_EQ(first.parsed_count, 2u);  // the conftest and test_a.py
  EXPECT_THAT(modules(first), ElementsAre("test_a.py"));

  Discovery second = discover(t.config(), cache.lookup());
  EXPECT_EQ(second.parsed_count, 0u);
  EXPECT_THAT(modules(second), ElementsAre("test_a.py"));
  ASSERT_EQ(second.conftests.size(), 1u);
  EXPECT_THAT(second.conftests[0].collect_ignore.certain, ElementsAre("test_b.py"));

  t.write("conftest.py", "collect_ignore = ['test_a.py']\n");
  Discovery third = discover(t.config(), cache.lookup());
  EXPECT_THAT(modules(third), ElementsAre("test_b.py"));
  EXPECT_EQ(third.parsed_count, 2u);  // the edited conftest and the newly walked test_b.py
}

TEST(DiscoveryCache, AChangedParseKeyIsParsedAgain) {
  TempTree t;
  t.write("test_a.py", "def check_x(): pass\ndef test_y(): pass\n");
  MemoryCache cache;
  Config cfg = t.config();
  cache.save(discover(cfg, cache.lookup()));
  cfg.python_functions = {"check"};
  Discovery d = discover(cfg, cache.lookup());
  EXPECT_EQ(d.parsed_count, 1u);
  EXPECT_THAT(all_ids(d), ElementsAre("test_a.py::check_x"));
}

}  // namespace
}  // namespace fastest::discovery
