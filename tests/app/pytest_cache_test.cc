#include "app/pytest_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fastest::app {
namespace {

base::TestResult result(const std::string& id, base::Outcome o, const std::string& when = "call") {
  base::TestResult r;
  r.node_id = id;
  r.outcome = o;
  r.when = when;
  return r;
}

TEST(PytestCacheState, UnchangedLastfailedIsNotRewritten) {
  PytestCacheState s;
  s.load("{\n  \"m.py::b\": true,\n  \"m.py::a\": true\n}", "", "");
  s.add_collected("m.py", {"m.py::a", "m.py::b", "m.py::c"});
  s.add_result(result("m.py::a", base::Outcome::failed));
  s.add_result(result("m.py::b", base::Outcome::failed));
  s.add_result(result("m.py::c", base::Outcome::passed));
  auto f = s.finish({"m.py"}, true);
  EXPECT_FALSE(f.lastfailed.has_value()) << "pytest compares the dicts, not their order";
  EXPECT_EQ(f.nodeids.value(), "[\n  \"m.py::a\",\n  \"m.py::b\",\n  \"m.py::c\"\n]");
  EXPECT_EQ(f.stepwise, "[]");
}

TEST(PytestCacheState, AClassThatCollectsAgainIsReplacedByItsTests) {
  PytestCacheState s;
  s.load("{\n  \"m.py::TestC\": true,\n  \"m.py::test_gone\": true\n}", "[\"old\"]", "");
  s.add_collected("m.py", {"m.py::TestC::test_x", "m.py::TestC::test_y"});
  s.add_result(result("m.py::TestC::test_y", base::Outcome::passed));
  s.add_result(result("m.py::TestC::test_x", base::Outcome::error, "setup"));
  auto f = s.finish({"m.py"}, false);
  // test_gone (deselected, or gone) is kept; the class's failing test is set in order.
  EXPECT_EQ(f.lastfailed.value(), "{\n  \"m.py::test_gone\": true,\n  \"m.py::TestC::test_x\": true\n}");
  EXPECT_FALSE(f.nodeids.has_value()) << "--collect-only writes no nodeids";
}

TEST(PytestCacheState, TeardownErrorAfterAPassIsAFailureAndSkipsClear) {
  PytestCacheState s;
  s.load("{\"m.py::s\": true}", "", "");
  s.add_collected("m.py", {"m.py::s", "m.py::t"});
  auto t = result("m.py::t", base::Outcome::passed);
  t.teardown_error = "boom";
  s.add_result(t);
  s.add_result(result("m.py::s", base::Outcome::skipped, "setup"));
  EXPECT_EQ(s.finish({"m.py"}, false).lastfailed.value(), "{\n  \"m.py::t\": true\n}");
}

TEST(PytestCacheState, StepwiseKeepsWhereTheRunStopped) {
  PytestCacheState s;
  s.load("", "", "\"m.py::a\"");
  s.set_stepwise(false, true);  // --sw-skip implies --sw
  s.add_collected("m.py", {"m.py::a", "m.py::b", "m.py::c"});
  s.add_result(result("m.py::a", base::Outcome::failed));  // skipped over, and forgotten
  s.add_result(result("m.py::b", base::Outcome::passed));
  s.add_result(result("m.py::c", base::Outcome::failed));
  EXPECT_EQ(s.finish({"m.py"}, true).stepwise, "\"m.py::c\"");

  PytestCacheState cleared;
  cleared.load("", "", "\"m.py::a\"");
  cleared.set_stepwise(true, false);
  cleared.add_result(result("m.py::a", base::Outcome::passed));
  EXPECT_EQ(cleared.finish({"m.py"}, true).stepwise, "null");
}

TEST(PytestCacheState, CollectionErrorsAndUnreadableFiles) {
  PytestCacheState s;
  s.load("not json", "{}", "");
  s.add_collect_error("b.py");
  s.add_collected("a.py", {"a.py::t"});
  s.add_result(result("a.py::t", base::Outcome::failed));
  auto f = s.finish({"a.py", "b.py"}, true);
  EXPECT_EQ(f.lastfailed.value(), "{\n  \"b.py\": true,\n  \"a.py::t\": true\n}");
  EXPECT_EQ(f.nodeids.value(), "[\n  \"a.py::t\"\n]");
}

}  // namespace
}  // namespace fastest::app
