// ConftestFacts read statically: hooks, _pytest imports, pytest_plugins, hookwrappers, and
// collect_ignore / collect_ignore_glob evaluated as far as they are literal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "discovery/discovery_test_util.h"

namespace fastest::discovery {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

ConftestFacts facts_of(const std::string& src) {
  SourceFile kind;
  kind.rel_path = "tests/conftest.py";
  kind.abs_path = "/p/tests/conftest.py";
  kind.tests = false;
  kind.conftest = true;
  ParsedFile f = parse_source(kind, src, Config{});
  EXPECT_TRUE(f.conftest.has_value());
  return f.conftest.value_or(ConftestFacts{});
}

TEST(ConftestFacts, HooksAreModuleLevelPytestNames) {
  ConftestFacts f = facts_of(
      "import pytest\n"
      "from plugin import pytest_runtest_setup\n"
      "from other import helper as pytest_configure\n"
      "def pytest_addoption(parser):\n    def pytest_inner(): pass\n"
      "@pytest.hookimpl(tryfirst=True)\ndef pytest_collection_modifyitems(items): pass\n"
      "if True:\n    def pytest_sessionstart(session): pass\n"
      "pytest_plugins = ['a.b']\n"
      "def helper(): pass\n"
      "class Plugin:\n    def pytest_runtest_call(self): pass\n");
  EXPECT_THAT(f.hooks, ElementsAre("pytest_runtest_setup", "pytest_configure", "pytest_addoption",
                                   "pytest_collection_modifyitems", "pytest_sessionstart"));
  EXPECT_TRUE(f.defines("pytest_addoption"));
  EXPECT_FALSE(f.defines("pytest_inner"));
  EXPECT_THAT(f.wrapper_hooks, IsEmpty());
  EXPECT_FALSE(f.imports_pytest_internals);
  EXPECT_THAT(f.pytest_plugins, ElementsAre("a.b"));
  EXPECT_FALSE(f.error);
}

TEST(ConftestFacts, HookwrappersOldAndNewStyle) {
  ConftestFacts f = facts_of(
      "import pytest\n"
      "@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n    yield\n"
      "@hookimpl(wrapper=True, tryfirst=True)\ndef pytest_pyfunc_call(pyfuncitem):\n    return (yield)\n"
      "@pytest.hookimpl(hookwrapper=False)\ndef pytest_runtest_teardown(item): pass\n");
  EXPECT_THAT(f.wrapper_hooks, ElementsAre("pytest_runtest_makereport", "pytest_pyfunc_call"));
  EXPECT_TRUE(f.hookwrapper());
}

TEST(ConftestFacts, PytestInternalsImportedAnywhere) {
  EXPECT_TRUE(facts_of("from _pytest import monkeypatch\n").imports_pytest_internals);
  EXPECT_TRUE(facts_of("import _pytest.compat as c\n").imports_pytest_internals);
  EXPECT_TRUE(facts_of("def f():\n    from _pytest.nodes import Item\n").imports_pytest_internals);
  EXPECT_FALSE(facts_of("import pytest\nfrom pytest import MonkeyPatch\n").imports_pytest_internals);
  EXPECT_FALSE(facts_of("import my_pytest_helpers\n").imports_pytest_internals);
}

TEST(ConftestFacts, PytestPluginsLiteralOrDynamic) {
  EXPECT_THAT(facts_of("pytest_plugins = 'one'\n").pytest_plugins, ElementsAre("one"));
  EXPECT_THAT(facts_of("pytest_plugins = ('a', \"b\")\n").pytest_plugins, ElementsAre("a", "b"));
  ConftestFacts dynamic = facts_of("pytest_plugins = [p for p in names()]\n");
  EXPECT_TRUE(dynamic.pytest_plugins_dynamic);
  EXPECT_THAT(dynamic.pytest_plugins, IsEmpty());
}

TEST(ConftestFacts, LiteralCollectIgnoreIsCertain) {
  ConftestFacts f = facts_of(
      "collect_ignore = ['setup.py', \"docs/conf.py\"]\n"
      "collect_ignore += ('a.py',)\n"
      "collect_ignore.append('b.py')\n"
      "collect_ignore.extend(['c.py'] + ['d.py'])\n"
      "collect_ignore_glob = ['*_old.py']\n");
  EXPECT_EQ(f.collect_ignore.defined, IgnoreSpec::Defined::yes);
  EXPECT_THAT(f.collect_ignore.certain, ElementsAre("setup.py", "docs/conf.py", "a.py", "b.py", "c.py", "d.py"));
  EXPECT_THAT(f.collect_ignore.maybe, IsEmpty());
  EXPECT_FALSE(f.collect_ignore.dynamic);
  EXPECT_THAT(f.collect_ignore_glob.certain, ElementsAre("*_old.py"));
}

TEST(ConftestFacts, ConditionalAdditionsAreMaybe) {
  ConftestFacts f = facts_of(
      "import sys\n"
      "collect_ignore = ['always.py']\n"
      "if sys.version_info < (3, 8):\n    collect_ignore.append('py38.py')\n"
      "try:\n    import numpy\nexcept ImportError:\n    collect_ignore += ['needs_numpy.py']\n");
  EXPECT_THAT(f.collect_ignore.certain, ElementsAre("always.py"));
  EXPECT_THAT(f.collect_ignore.maybe, ElementsAre("py38.py", "needs_numpy.py"));
  EXPECT_FALSE(f.collect_ignore.dynamic);
}

TEST(ConftestFacts, ConditionalDefinitionIsMaybeDefined) {
  ConftestFacts f = facts_of("import sys\nif sys.platform == 'win32':\n    collect_ignore = ['posix.py']\n");
  EXPECT_EQ(f.collect_ignore.defined, IgnoreSpec::Defined::maybe);
  EXPECT_THAT(f.collect_ignore.certain, IsEmpty());
  EXPECT_THAT(f.collect_ignore.maybe, ElementsAre("posix.py"));
}

TEST(ConftestFacts, ComputedOrMutatedListsAreDynamic) {
  for (const char* src : {
           "collect_ignore = [str(p) for p in here.glob('x*')]\n",
           "collect_ignore = ['a.py']\ncollect_ignore.remove('a.py')\n",
           "collect_ignore = ['a.py']\ndef pytest_configure(config):\n    collect_ignore.append(config.x)\n",
           "from shared import collect_ignore\n",
           "collect_ignore = ['a.py']\ncollect_ignore.append(name)\n",
       }) {
    ConftestFacts f = facts_of(src);
    EXPECT_TRUE(f.collect_ignore.dynamic) << src;
    EXPECT_THAT(f.collect_ignore.certain, IsEmpty()) << src;
    EXPECT_NE(f.collect_ignore.defined, IgnoreSpec::Defined::no) << src;
  }
  // Another object's attribute of the same name is not the conftest's list.
  ConftestFacts other = facts_of("collect_ignore = ['a.py']\nconfig.collect_ignore = []\n");
  EXPECT_FALSE(other.collect_ignore.dynamic);
  EXPECT_THAT(other.collect_ignore.certain, ElementsAre("a.py"));
}

TEST(ConftestFacts, SyntaxErrorIsAnErrorWithNoFacts) {
  ConftestFacts f = facts_of("def pytest_configure(:\n");
  EXPECT_TRUE(f.error);
  EXPECT_THAT(f.hooks, IsEmpty());
}

TEST(ConftestFacts, EncodingRoundTrips) {
  ConftestFacts f = facts_of(
      "import _pytest\npytest_plugins = ['p\\tq']\ncollect_ignore = ['a\\nb.py']\n"
      "if x:\n    collect_ignore.append('m.py')\ncollect_ignore_glob = [g()]\n"
      "import pytest\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_call(item):\n    yield\n");
  std::string text = encode_conftest_facts(f);
  auto back = decode_conftest_facts(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->hooks, f.hooks);
  EXPECT_EQ(back->wrapper_hooks, f.wrapper_hooks);
  EXPECT_TRUE(back->imports_pytest_internals);
  EXPECT_THAT(back->pytest_plugins, ElementsAre("p\tq"));
  EXPECT_THAT(back->collect_ignore.certain, ElementsAre("a\nb.py"));
  EXPECT_THAT(back->collect_ignore.maybe, ElementsAre("m.py"));
  EXPECT_EQ(back->collect_ignore.defined, IgnoreSpec::Defined::yes);
  EXPECT_TRUE(back->collect_ignore_glob.dynamic);
  EXPECT_EQ(encode_conftest_facts(*back), text);
  EXPECT_FALSE(decode_conftest_facts("something else\n").has_value());
  EXPECT_FALSE(decode_conftest_facts(text + "bogus line\n").has_value());
}

}  // namespace
}  // namespace fastest::discovery
