// Items found in one module: node ids, pytest's naming rules, classes, unittest, marks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "discovery/discovery_test_util.h"

namespace fastest::discovery {
namespace {

using ::testing::ElementsAre;
using testing::ids;
using ::testing::IsEmpty;
using testing::parse;

TEST(DiscoveryNodeId, JoinsPathClassChainAndFunction) {
  EXPECT_EQ(make_node_id("tests/test_x.py", "TestA::Inner", "test_b"), "tests/test_x.py::TestA::Inner::test_b");
  EXPECT_EQ(make_node_id("test_x.py", "", "test_b"), "test_x.py::test_b");
}

TEST(DiscoveryParse, ModuleFunctionsAndAsyncInSourceOrder) {
  ParsedFile f = parse("def test_b():\n    pass\n\nasync def test_a():\n    pass\n\ndef helper():\n    pass\n");
  ASSERT_FALSE(f.error);
  EXPECT_THAT(ids(f.items), ElementsAre("t/test_x.py::test_b", "t/test_x.py::test_a"));
  EXPECT_EQ(f.items[0].line, 1);
  EXPECT_EQ(f.items[1].line, 4);
  EXPECT_EQ(f.items[0].file, "t/test_x.py");
  EXPECT_EQ(f.items[0].cls, "");
}

TEST(DiscoveryParse, MethodsAndNestedClasses) {
  ParsedFile f = parse(
      "class TestA:\n"
      "    def test_one(self): pass\n"
      "    def helper(self): pass\n"
      "    class TestInner:\n"
      "        def test_deep(self): pass\n"
      "    class Other:\n"
      "        def test_hidden(self): pass\n"
      "class Helper:\n"
      "    def test_not_collected(self): pass\n");
  EXPECT_THAT(ids(f.items), ElementsAre("t/test_x.py::TestA::test_one", "t/test_x.py::TestA::TestInner::test_deep"));
  EXPECT_EQ(f.items[1].cls, "TestA::TestInner");
  EXPECT_EQ(f.items[1].line, 5);
}

TEST(DiscoveryParse, ClassWithInitOrNewIsSkippedLikePytest) {
  ParsedFile f = parse(
      "class TestInit:\n    def __init__(self): pass\n    def test_a(self): pass\n"
      "class TestNew:\n    def __new__(cls): pass\n    def test_b(self): pass\n"
      "class TestOk:\n    def test_c(self): pass\n");
  EXPECT_THAT(ids(f.items), ElementsAre("t/test_x.py::TestOk::test_c"));
}

TEST(DiscoveryParse, DunderTestFalseInClassModuleAndFunction) {
  EXPECT_THAT(parse("__test__ = False\ndef test_a(): pass\n").items, IsEmpty());
  ParsedFile f = parse(
      "class TestOff:\n    __test__ = False\n    def test_a(self): pass\n"
      "def test_b(): pass\ntest_b.__test__ = False\n"
      "class Checks:\n    __test__ = True\n    def test_c(self): pass\n"
      "def check_d(): pass\ncheck_d.__test__ = True\n");
  EXPECT_THAT(ids(f.items), ElementsAre("t/test_x.py::Checks::test_c", "t/test_x.py::check_d"));
}

TEST(DiscoveryParse, CustomPrefixesAndGlobs) {
  Config cfg;
  cfg.python_classes = {"Check", "*Suite"};
  cfg.python_functions = {"check_", "*_should_*"};
  ParsedFile f = parse(
      "def check_a(): pass\ndef test_b(): pass\ndef it_should_work(): pass\n"
      "class CheckThings:\n    def check_c(self): pass\n"
      "class LoginSuite:\n    def check_d(self): pass\n"
      "class TestIgnored:\n    def check_e(self): pass\n",
      cfg);
  EXPECT_THAT(ids(f.items), ElementsAre("t/test_x.py::check_a", "t/test_x.py::it_should_work",
                                        "t/test_x.py::CheckThings::check_c", "t/test_x.py::LoginSuite::check_d"));
}

TEST(DiscoveryParse, UnittestTestCaseCollectedRegardlessOfNameSortedByName) {
  ParsedFile f = parse(
      "import unittest\n"
      "class Arithmetic(unittest.TestCase):\n"
      "    def __init__(self, *a): super().__init__(*a)\n"
      "    def test_zeta(self): pass\n"
      "    def test_alpha(self): pass\n"
      "    def helper(self): pass\n"
      "class Plain(TestCase):\n    def test_p(self): pass\n"
      "class Django(django.test.TestCase):\n    def test_d(self): pass\n"
      "class Only(TestCase):\n    def runTest(self): pass\n");
  EXPECT_THAT(ids(f.items),
              ElementsAre("t/test_x.py::Arithmetic::test_alpha", "t/test_x.py::Arithmetic::test_zeta",
                          "t/test_x.py::Plain::test_p", "t/test_x.py::Django::test_d", "t/test_x.py::Only::runTest"));
}

TEST(DiscoveryParse, InheritanceWithinModuleBaseMethodsFirst) {
  ParsedFile f = parse(
      "class Base:\n    def test_base(self): pass\n    def test_over(self): pass\n"
      "class TestChild(Base):\n    def test_child(self): pass\n    def test_over(self): pass\n"
      "class MyCase(unittest.TestCase):\n    pass\n"
      "class Derived(MyCase):\n    def test_u(self): pass\n");
  EXPECT_THAT(ids(f.items), ElementsAre("t/test_x.py::TestChild::test_base", "t/test_x.py::TestChild::test_child",
                                        "t/test_x.py::TestChild::test_over", "t/test_x.py::Derived::test_u"));
  EXPECT_EQ(f.items[2].line, 6);  // the override's def
}

TEST(DiscoveryParse, MarkersAndParametrize) {
  ParsedFile f = parse(
      "import pytest\nfrom pytest import mark\n"
      "pytestmark = [pytest.mark.network]\n"
      "slow = pytest.mark.slow\n"
      "@pytest.mark.parametrize('x', [1, 2])\n@mark.skipif(True, reason='r')\ndef test_a(x): pass\n"
      "@slow\ndef test_b(): pass\n"
      "@pytest.mark.smoke\nclass TestC:\n    @pytest.mark.xfail\n    def test_c(self): pass\n");
  ASSERT_EQ(f.items.size(), 3u);
  EXPECT_THAT(f.items[0].markers, ElementsAre("parametrize", "skipif", "network"));
  EXPECT_TRUE(f.items[0].parametrized);
  EXPECT_EQ(f.items[0].line, 7);
  EXPECT_THAT(f.items[1].markers, ElementsAre("slow", "network"));
  EXPECT_FALSE(f.items[1].parametrized);
  EXPECT_THAT(f.items[2].markers, ElementsAre("xfail", "smoke", "network"));
}

TEST(DiscoveryParse, ClassLevelParametrizeMarksEveryMethod) {
  ParsedFile f = parse("@pytest.mark.parametrize('x', [1])\nclass TestP:\n    def test_a(self, x): pass\n");
  ASSERT_EQ(f.items.size(), 1u);
  EXPECT_TRUE(f.items[0].parametrized);
}

TEST(DiscoveryParse, ParamsAreTheArgnamesInPytestsCallspecOrder) {
  ParsedFile f = parse(
      "import pytest\n"
      "pytestmark = [pytest.mark.parametrize('mod', [1]), pytest.mark.slow]\n"
      "@pytest.mark.parametrize(' a ,b,', [(1, 2)])\n"
      "@pytest.mark.parametrize(argnames=['c'], argvalues=[3])\n"
      "def test_stacked(a, b, c, mod): pass\n"
      "NAMES = 'x'\n"
      "@pytest.mark.parametrize(NAMES, [1])\n"
      "def test_not_literal(x, mod): pass\n"
      "@pytest.mark.parametrize(('k',), [1])\n"
      "class TestK:\n"
      "    pytestmark = pytest.mark.parametrize('body', [0])\n"
      "    @pytest.mark.parametrize('m', [1])\n"
      "    def test_m(self, m, k, body, mod): pass\n"
      "def test_plain(mod): pass\n");
  ASSERT_EQ(f.items.size(), 4u);
  // The decorator nearest the def applies first: its argnames lead the id.
  EXPECT_THAT(f.items[0].params, ElementsAre("c", "a", "b", "mod"));
  EXPECT_THAT(f.items[1].params, ElementsAre("mod"));
  EXPECT_TRUE(f.items[1].parametrized);
  // The function's own, then the class's (its body's pytestmark, then its decorators), then the module's.
  EXPECT_THAT(f.items[2].params, ElementsAre("m", "body", "k", "mod"));
  EXPECT_THAT(f.items[3].params, ElementsAre("mod"));
}

TEST(DiscoveryParse, FixturesPropertiesAndClassmethodsAreNotTests) {
  ParsedFile f = parse(
      "@pytest.fixture\ndef test_data(): return 1\n"
      "@pytest.fixture(scope='module')\ndef test_more(): return 1\n"
      "class TestK:\n"
      "    @staticmethod\n    def test_static(): pass\n"
      "    @classmethod\n    def test_cls(cls): pass\n"
      "    @property\n    def test_prop(self): return 1\n");
  EXPECT_THAT(ids(f.items), ElementsAre("t/test_x.py::TestK::test_static"));
}

TEST(DiscoveryParse, RedefinitionKeepsFirstPositionLastDefinition) {
  ParsedFile f = parse("def test_a(): pass\ndef test_b(): pass\ndef test_a(): pass\ntest_b = None\n");
  ASSERT_THAT(ids(f.items), ElementsAre("t/test_x.py::test_a"));
  EXPECT_EQ(f.items[0].line, 3);
}

TEST(DiscoveryParse, DefinitionsInsideIfAndTryBlocks) {
  ParsedFile f = parse(
      "import sys\nif sys.platform == 'linux':\n    def test_linux(): pass\nelse:\n    def test_other(): pass\n"
      "try:\n    import numpy\nexcept ImportError:\n    def test_fallback(): pass\n"
      "def outer():\n    def test_inner(): pass\n");
  EXPECT_THAT(ids(f.items),
              ElementsAre("t/test_x.py::test_linux", "t/test_x.py::test_other", "t/test_x.py::test_fallback"));
}

TEST(DiscoveryParse, SyntaxErrorGivesFileAndLine) {
  ParsedFile f = parse("def test_a():\n    pass\n\ndef test_b(:\n    pass\n");
  ASSERT_TRUE(f.error);
  EXPECT_EQ(f.error->file, "t/test_x.py");
  EXPECT_EQ(f.error->line, 4);
  EXPECT_THAT(f.items, IsEmpty());
  EXPECT_FALSE(f.error->message.empty());
}

TEST(DiscoveryParse, NulByteIsAnError) {
  ParsedFile f = parse(std::string("def test_a(): pass\nx = 1\0\n", 26));
  ASSERT_TRUE(f.error);
  EXPECT_EQ(f.error->message, "source code cannot contain null bytes");
  EXPECT_EQ(f.error->line, 2);
}

TEST(DiscoveryParse, BomAndCrlfAreFine) {
  ParsedFile f = parse(
      "\xEF\xBB\xBF"
      "class TestA:\r\n    def test_a(self):\r\n        pass\r\n\r\ndef test_b():\r\n    pass\r\n");
  ASSERT_FALSE(f.error) << f.error->message;
  EXPECT_THAT(ids(f.items), ElementsAre("t/test_x.py::TestA::test_a", "t/test_x.py::test_b"));
  EXPECT_EQ(f.items[1].line, 5);
}

TEST(DiscoveryParse, Latin1CookieIsFineUndeclaredNonUtf8IsAnError) {
  std::string body = "def test_caf\xE9():\n    s = '\xE9t\xE9'\n";
  ParsedFile ok = parse("# -*- coding: latin-1 -*-\n" + body);
  ASSERT_FALSE(ok.error) << ok.error->message;
  ASSERT_EQ(ok.items.size(), 1u);
  EXPECT_EQ(ok.items[0].function, "test_caf\xC3\xA9");
  ParsedFile second_line = parse("#!/usr/bin/env python\n# vim: set fileencoding=iso-8859-1 :\n" + body);
  EXPECT_FALSE(second_line.error);
  ParsedFile bad = parse("import os\n" + body);
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->line, 2);
  EXPECT_THAT(bad.error->message, ::testing::HasSubstr("Non-UTF-8 code starting with '\\xe9'"));
  ParsedFile late_cookie = parse("import os\n# coding: latin-1\n" + body);
  EXPECT_TRUE(late_cookie.error);  // a cookie below a code line does not count
}

TEST(DiscoveryParse, UnknownEncodingAndBomConflict) {
  ParsedFile unknown = parse("# coding: no-such-codec\ndef test_a(): pass\n");
  ASSERT_TRUE(unknown.error);
  EXPECT_THAT(unknown.error->message, ::testing::HasSubstr("unknown encoding"));
  ParsedFile conflict = parse("\xEF\xBB\xBF# coding: latin-1\ndef test_a(): pass\n");
  EXPECT_TRUE(conflict.error);
}

TEST(DiscoveryParse, HashAndSizeOfRawBytes) {
  ParsedFile a = parse("def test_a(): pass\n"), b = parse("def test_a():  pass\n");
  EXPECT_NE(a.content_hash, b.content_hash);
  EXPECT_EQ(a.content_hash, parse("def test_a(): pass\n").content_hash);
  EXPECT_EQ(a.size, 19);
}

TEST(DiscoveryParse, Python2PrintStatementIsASyntaxError) {
  ParsedFile f = testing::parse("def test_a():\n    x = 1\n    print \"hi\"\n");
  ASSERT_TRUE(f.error);
  EXPECT_EQ(f.error->line, 3);
  EXPECT_THAT(f.error->message, ::testing::HasSubstr("Missing parentheses in call to 'print'"));
  EXPECT_FALSE(testing::parse("def test_a():\n    print(\"hi\")\n").error);
}

TEST(DiscoveryParse, ErrorLineIsTheFirstBadLine) {
  ParsedFile f = testing::parse("import os\n\n\ndef test_a():\n    x = 1 2\n\ndef test_b(:\n");
  ASSERT_TRUE(f.error);
  EXPECT_EQ(f.error->line, 5);
  EXPECT_EQ(f.error->message, "invalid syntax");
}

}  // namespace
}  // namespace fastest::discovery
