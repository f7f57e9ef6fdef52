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

// pytest rewrites nodeids every run; when the previous file is already pytest's rendering
// of this run's union, the bytes would be the same, so it is left as it is.
TEST(PytestCacheState, NodeidsAreNotRewrittenWhenTheUnionIsUnchanged) {
  const std::string previous = "[\n  \"m.py::a\",\n  \"m.py::b\",\n  \"old.py::gone\"\n]";
  PytestCacheState same;
  same.load("", previous, "");
  same.add_collected("m.py", {"m.py::b", "m.py::a"});
  same.add_result(result("m.py::a", base::Outcome::passed));
  EXPECT_FALSE(same.finish({"m.py"}, true).nodeids.has_value());

  PytestCacheState empty;
  empty.load("", "[]", "");
  EXPECT_FALSE(empty.finish({}, true).nodeids.has_value());
}

TEST(PytestCacheState, NodeidsAreRewrittenWhenAnIdIsNewOrTheFileIsNotPytests) {
  const std::string previous = "[\n  \"m.py::a\",\n  \"old.py::gone\"\n]";
  PytestCacheState added;
  added.load("", previous, "");
  added.add_collected("m.py", {"m.py::c", "m.py::a", "m.py::b", "m.py::c"});
  EXPECT_EQ(added.finish({"m.py"}, true).nodeids.value(),
            "[\n  \"m.py::a\",\n  \"m.py::b\",\n  \"m.py::c\",\n  \"old.py::gone\"\n]");

  // The same ids in another layout, unsorted, repeated, or escaped: written as pytest does.
  for (const std::string& text :
       {std::string("[\"m.py::a\", \"old.py::gone\"]"), std::string("[\n  \"old.py::gone\",\n  \"m.py::a\"\n]"),
        std::string("[\n  \"m.py::a\",\n  \"m.py::a\",\n  \"old.py::gone\"\n]"),
        std::string("[\n  \"m.py::\\u0061\",\n  \"old.py::gone\"\n]"), previous + "\n"}) {
    PytestCacheState other;
    other.load("", text, "");
    other.add_collected("m.py", {"m.py::a"});
    EXPECT_EQ(other.finish({"m.py"}, true).nodeids.value(), previous) << text;
  }

  // Ids json.dumps escapes (a quote, a backslash, a control character) or leaves as UTF-8.
  PytestCacheState escaped;
  escaped.load("", "", "");
  escaped.add_collected("m.py", {"m.py::t[a\"b]", "m.py::t[c\\d]", "m.py::t[\x01]", "m.py::t[\xc3\xa9]"});
  EXPECT_EQ(escaped.finish({"m.py"}, true).nodeids.value(),
            "[\n  \"m.py::t[\\u0001]\",\n  \"m.py::t[a\\\"b]\",\n  \"m.py::t[c\\\\d]\",\n  \"m.py::t[\xc3\xa9]\"\n]");
}

}  // namespace
}  // namespace fastest::app
