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
  EXPECT_EQ(xml_escape("a<b>&\"c\""), "a&lt;b&gt;&amp;\"c\"");
  EXPECT_EQ(xml_attr_escape("a\"b\nc"), "a&quot;b&#10;c");
  EXPECT_EQ(xml_escape(std::string("x\x01y\x1b", 4)), "x#x01y#x1B");
  EXPECT_EQ(xml_escape("tab\tnl\n"), "tab\tnl\n");
}

TEST(JunitReport, CountsOutcomes) {
  JunitReporter j("/nonexistent/never-written.xml", JunitOptions{});
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

TEST(JunitReport, PropertiesAndSuitePropertiesAsPytestWritesThem) {
  JunitReporter j("/nonexistent/never-written.xml", JunitOptions{});
  base::TestResult r{.node_id = "tests/t.py::test_prop", .file = "tests/t.py", .outcome = base::Outcome::passed};
  r.properties = {{"k", "v"}, {"n", "1"}};
  r.xml_attributes = {{"extra", "yes"}};
  j.on_result(r);
  j.on_suite_property("suite_k", "42");
  std::string xml = j.render(Summary{});
  EXPECT_NE(xml.find("hostname=\"\"><properties><property name=\"suite_k\" value=\"42\" /></properties><testcase"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testcase classname=\"tests.t\" name=\"test_prop\" time=\"0.000\"><properties>"
                     "<property name=\"k\" value=\"v\" /><property name=\"n\" value=\"1\" /></properties></testcase>"),
            std::string::npos)
      << "xunit2 drops record_xml_attribute: " << xml;
}

TEST(JunitReport, Xunit1HasFileLineAndXmlAttributes) {
  JunitOptions o;
  o.family = "legacy";
  o.suite_name = "mysuite";
  JunitReporter j("/nonexistent/never-written.xml", o);
  base::TestResult r{.node_id = "tests/t.py::test_prop", .file = "tests/t.py", .outcome = base::Outcome::passed};
  r.line = 44;
  r.xml_attributes = {{"extra", "yes"}, {"classname", "custom"}};
  j.on_result(r);
  std::string xml = j.render(Summary{});
  EXPECT_NE(xml.find("<testsuite name=\"mysuite\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"custom\" name=\"test_prop\" file=\"tests/t.py\" line=\"43\" "
                     "extra=\"yes\" time=\"0.000\" />"),
            std::string::npos)
      << xml;
}

TEST(JunitReport, LoggingAndDurationOptions) {
  JunitOptions o;
  o.logging = "system-out";
  o.duration_report = "call";
  o.rootdir = "/r";
  JunitReporter j("/nonexistent/never-written.xml", o);
  base::TestResult pass{
      .node_id = "t.py::a", .file = "t.py", .outcome = base::Outcome::passed, .setup_s = 1, .call_s = 0.25};
  pass.captured_stdout = "hello out\n";
  j.on_result(pass);
  base::TestResult skip{.node_id = "t.py::s",
                        .file = "t.py",
                        .outcome = base::Outcome::skipped,
                        .longrepr = "t.py:10: nope",
                        .message = "nope"};
  j.on_result(skip);
  std::string xml = j.render(Summary{});
  std::string out_block =
      "<system-out>--------------------------------- Captured Out ---------------------------------\n"
      "hello out\n\n</system-out>";
  EXPECT_NE(xml.find("name=\"a\" time=\"0.250\">" + out_block + "</testcase>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<skipped type=\"pytest.skip\" message=\"nope\">/r/t.py:10: nope</skipped><system-out>"),
            std::string::npos)
      << xml;
  JunitReporter quiet("/nonexistent/never-written.xml", JunitOptions{});
  quiet.on_result(pass);
  EXPECT_EQ(quiet.render(Summary{}).find("system-out"), std::string::npos) << "junit_logging=no is pytest 7's default";
}

TEST(JunitReport, TeardownErrorAfterAFailureIsASecondTestcase) {
  JunitReporter j("/nonexistent/never-written.xml", JunitOptions{});
  base::TestResult r{.node_id = "t.py::a",
                     .file = "t.py",
                     .outcome = base::Outcome::failed,
                     .longrepr = "E   boom",
                     .teardown_error = "def fin():\nE   RuntimeError: td\n",
                     .message = "boom"};
  j.on_result(r);
  std::string xml = j.render(Summary{});
  EXPECT_NE(xml.find("errors=\"1\" failures=\"1\" skipped=\"0\" tests=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message=\"boom\">E   boom</failure></testcase><testcase classname=\"t\" name=\"a\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<error message=\"failed on teardown with &quot;RuntimeError: td&quot;\">"), std::string::npos)
      << xml;
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
