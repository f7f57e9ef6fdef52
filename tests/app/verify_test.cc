#include "app/verify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fastest::app {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(VerifyJunit, ReadsEachTestcaseOutcomeAndKeepsTheWorstOfADuplicate) {
  const char* xml = R"(<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.test_a" name="test_ok" time="0.001" />
<testcase classname="tests.test_a" name="test_bad[a&amp;b]" time="0.1"><failure message="x &lt; y">trace</failure></testcase>
<testcase classname="tests.test_a" name="test_skip"><skipped type="pytest.skip" message="no">x</skipped></testcase>
<testcase classname="tests.test_a" name="test_xf"><skipped type="pytest.xfail" message="known" /></testcase>
<testcase classname="tests.test_a" name="test_td"><system-out>hi</system-out></testcase>
<testcase classname="tests.test_a" name="test_td"><error message="teardown">boom</error></testcase>
<testcase classname="tests.test_a" name="test_&#233;" />
</testsuite></testsuites>)";
  EXPECT_THAT(junit_outcomes(xml),
              ElementsAre(Pair("tests.test_a::test_bad[a&b]", "failed"), Pair("tests.test_a::test_ok", "passed"),
                          Pair("tests.test_a::test_skip", "skipped"), Pair("tests.test_a::test_td", "error"),
                          Pair("tests.test_a::test_xf", "xfailed"), Pair("tests.test_a::test_\xc3\xa9", "passed")));
  EXPECT_TRUE(junit_outcomes("").empty());
  EXPECT_TRUE(junit_outcomes("<testcase name=").empty());
}

// JUnit writes a non-strict XPASS as a pass: verify marks it from the runners' own node ids,
// keyed as pytest's junitxml keys them (path dots, no .py, classes joined, params kept).
TEST(VerifyJunit, XpassedComesFromNodeIdsKeyedAsJunit) {
  EXPECT_EQ(junit_key("tests/test_a.py::TestC::test_m[a/b::c]"), "tests.test_a.TestC::test_m[a/b::c]");
  EXPECT_EQ(junit_key("test_x.py::test_y"), "test_x::test_y");
  std::map<std::string, std::string> outcomes{
      {"tests.test_a::test_xp", "passed"}, {"tests.test_a::test_f", "failed"}, {"tests.test_a::test_ok", "passed"}};
  mark_xpassed(outcomes, {"tests/test_a.py::test_xp", "tests/test_a.py::test_f", "tests/test_a.py::gone"});
  EXPECT_THAT(outcomes, ElementsAre(Pair("tests.test_a::test_f", "failed"), Pair("tests.test_a::test_ok", "passed"),
                                    Pair("tests.test_a::test_xp", "xpassed")));
}

TEST(VerifyArgs, FastestOnlyOptionsStayWithFastestAndDashNIsSeparate) {
  auto v = split_verify_args({"-n", "2", "--python=/usr/bin/python3", "-k", "fast", "--engine", "pytest", "--timings",
                              "tests/", "-p", "no:cacheprovider"});
  EXPECT_EQ(v.workers, "2");
  EXPECT_EQ(v.python, "/usr/bin/python3");
  EXPECT_THAT(v.common, ElementsAre("-k", "fast", "tests/", "-p", "no:cacheprovider"));
  EXPECT_THAT(v.fastest_only, ElementsAre("--python", "/usr/bin/python3", "--engine", "pytest", "--timings"));
  EXPECT_EQ(split_verify_args({"-n4"}).workers, "4");
  EXPECT_EQ(split_verify_args({"--numprocesses=auto"}).workers, "auto");
}

}  // namespace
}  // namespace fastest::app
