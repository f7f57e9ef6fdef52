#include "report/junit.h"

#include <gtest/gtest.h>

namespace fastest::report {
namespace {

TEST(JunitNames, ManglesLikePytest) {
  EXPECT_EQ(junit_names("tests/test_x.py::test_a"), std::make_pair(std::string("tests.test_x"), std::string("test_a")));
  EXPECT_EQ(junit_names("tests/test_x.py::TestA::test_b[1-a::b]"),
            std::make_pair(std::string("tests.test_x.TestA"), std::string("test_b[1-a::b]")));
  EXPECT_EQ(junit_names("test_top.py::TestA::Inner::test_c"),
            std::make_pair(std::string("test_top.TestA.Inner"), std::string("test_c")));
}

TEST(JunitEscape, ReplacesForbiddenControlCharacters) {
  EXPECT_EQ(xml_escape("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
  EXPECT_EQ(xml_escape(std::string("x\x01y\x1b", 4)), "x#x01y#x1B");
  EXPECT_EQ(xml_escape("tab\tnl\n"), "tab\tnl\n");
}

TEST(JunitReport, CountsOutcomes) {
  JunitReporter j("/nonexistent/never-written.xml", "host");
  base::TestResult pass{.node_id = "t.py::a", .outcome = base::Outcome::passed};
  base::TestResult fail{.node_id = "t.py::b", .outcome = base::Outcome::failed, .longrepr = "assert 1 == 2"};
  base::TestResult skip{.node_id = "t.py::c", .outcome = base::Outcome::skipped, .message = "later"};
  j.on_result(pass);
  j.on_result(fail);
  j.on_result(skip);
  Summary s;
  std::string xml = j.render(s);
  EXPECT_NE(xml.find("tests=\"3\""), std::string::npos);
  EXPECT_NE(xml.find("failures=\"1\""), std::string::npos);
  EXPECT_NE(xml.find("skipped=\"1\""), std::string::npos);
  EXPECT_NE(xml.find("<failure message=\"assert 1 == 2\">assert 1 == 2</failure>"), std::string::npos);
  EXPECT_NE(xml.find("<skipped type=\"pytest.skip\" message=\"later\">"), std::string::npos);
}

TEST(Summary, WordsFollowPytestOrder) {
  Summary s;
  s.counts = {{"passed", 3}, {"failed", 1}, {"skipped", 2}, {"error", 2}, {"xfailed", 1}};
  s.wall_s = 0.123;
  EXPECT_EQ(summary_words(s), "1 failed, 3 passed, 2 skipped, 1 xfailed, 2 errors in 0.12s");
  Summary none;
  EXPECT_EQ(summary_words(none), "no tests ran in 0.00s");
  Summary one_error;
  one_error.counts = {{"error", 1}};
  one_error.wall_s = 61.5;
  EXPECT_EQ(summary_words(one_error), "1 error in 61.50s (0:01:01)");
}

TEST(Summary, HeadLineDropsTheModule) {
  EXPECT_EQ(head_line("tests/test_x.py::TestA::test_b[1::2]"), "TestA.test_b[1::2]");
  EXPECT_EQ(head_line("tests/test_x.py::test_c"), "test_c");
}

}  // namespace
}  // namespace fastest::report
