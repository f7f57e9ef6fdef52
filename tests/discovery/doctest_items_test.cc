// Static doctest items: DocTestFinder's objects, pytest's names and order, text files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "discovery/discovery_test_util.h"
#include "discovery/doctest_items.h"

namespace fastest::discovery {
namespace {

using ::testing::ElementsAre;
using testing::ids;
using ::testing::IsEmpty;

ParsedFile doctest_parse(const std::string& src, bool tests = false) {
  SourceFile kind;
  kind.rel_path = "pkg/mod.py";
  kind.tests = tests;
  kind.doctests = true;
  kind.module_name = "pkg.mod";
  return parse_source(kind, src, Config{});
}

TEST(DoctestItems, ModuleClassFunctionMethodPropertyAndNestedClass) {
  ParsedFile f = doctest_parse(
      "'''Module.\n\n>>> 1\n1\n'''\n"
      "def helper():\n    \"\"\"\n    >>> helper()\n    \"\"\"\n"
      "def no_examples():\n    '''Just words.'''\n"
      "def comment_only():\n    '''>>> # nothing'''\n"
      "class Outer:\n    '''>>> Outer()'''\n"
      "    def meth(self):\n        '''>>> 1'''\n"
      "    @property\n    def prop(self):\n        '''>>> 2'''\n"
      "    @staticmethod\n    def st():\n        '''>>> 3'''\n"
      "    @functools.cached_property\n    def cached(self):\n        '''>>> 4'''\n"
      "    class Inner:\n        '''>>> 5'''\n"
      "        def deep(self):\n            '''>>> 6'''\n"
      "    def _private(self):\n        def nested():\n            '''>>> 7'''\n");
  EXPECT_FALSE(f.error);
  // DocTestFinder sorts by name.
  EXPECT_THAT(ids(f.items), ElementsAre("pkg/mod.py::pkg.mod", "pkg/mod.py::pkg.mod.Outer",
                                        "pkg/mod.py::pkg.mod.Outer.Inner", "pkg/mod.py::pkg.mod.Outer.Inner.deep",
                                        "pkg/mod.py::pkg.mod.Outer.meth", "pkg/mod.py::pkg.mod.Outer.prop",
                                        "pkg/mod.py::pkg.mod.Outer.st", "pkg/mod.py::pkg.mod.helper"));
}

TEST(DoctestItems, DunderTestDictAndImportedOrReboundNames) {
  ParsedFile f = doctest_parse(
      "from other import documented\n"
      "def gone():\n    '''>>> 1'''\n"
      "gone = 3\n"
      "@property\ndef module_property():\n    '''>>> 1'''\n"
      "__test__ = {'extra': '''\n>>> 9\n9\n''', 'words': 'no examples'}\n");
  EXPECT_THAT(ids(f.items), ElementsAre("pkg/mod.py::pkg.mod.__test__.extra"));
}

TEST(DoctestItems, TestModuleGetsDoctestsFirstThenTests) {
  ParsedFile f = doctest_parse("def test_a():\n    '''>>> 1'''\n", /*tests=*/true);
  EXPECT_THAT(ids(f.items), ElementsAre("pkg/mod.py::pkg.mod.test_a", "pkg/mod.py::test_a"));
}

TEST(DoctestItems, ExampleRules) {
  EXPECT_TRUE(has_doctest_examples(">>> x"));
  EXPECT_TRUE(has_doctest_examples("Text\n    >>> f(1)\n    2\n"));
  EXPECT_TRUE(has_doctest_examples("\t>>> tab_indented()"));
  EXPECT_TRUE(has_doctest_examples(">>> # a comment\n... real()\n"));
  EXPECT_FALSE(has_doctest_examples(">>> # only a comment\n"));
  EXPECT_FALSE(has_doctest_examples(">>>\n"));
  EXPECT_FALSE(has_doctest_examples("x >>> not at line start"));
  EXPECT_FALSE(has_doctest_examples("no prompt at all"));
}

TEST(DoctestItems, EscapesAndStringForms) {
  // "\n>>> 1" in a plain string is a line of its own; in a raw string it is not.
  EXPECT_THAT(ids(doctest_parse("def f():\n    'doc\\n>>> 1'\n").items), ElementsAre("pkg/mod.py::pkg.mod.f"));
  EXPECT_THAT(doctest_parse("def f():\n    r'doc\\n>>> 1'\n").items, IsEmpty());
  EXPECT_THAT(doctest_parse("def f():\n    f'>>> {1}'\n").items, IsEmpty());  // f-strings are no docstrings
  EXPECT_THAT(doctest_parse("def f():\n    b'>>> 1'\n").items, IsEmpty());
  EXPECT_THAT(ids(doctest_parse("def f():\n    ('>>> 1'\n     ' + 1')\n").items), ElementsAre("pkg/mod.py::pkg.mod.f"));
  EXPECT_THAT(doctest_parse("def f():\n    x = 1\n    '>>> 1'\n").items, IsEmpty());
}

TEST(DoctestItems, TextFileIsOneItemNamedByItsBasename) {
  SourceFile kind;
  kind.rel_path = "docs/test_usage.txt";
  kind.tests = false;
  kind.text_doctest = true;
  EXPECT_THAT(ids(parse_source(kind, "Usage\n\n>>> 1 + 1\n2\n", Config{}).items),
              ElementsAre("docs/test_usage.txt::test_usage.txt"));
  EXPECT_THAT(parse_source(kind, "no examples here\n", Config{}).items, IsEmpty());
}

}  // namespace
}  // namespace fastest::discovery
