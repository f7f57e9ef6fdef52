#include "app/expression.h"

#include <gtest/gtest.h>

#include <set>

namespace fastest::app {
namespace {

std::string error_of(const std::string& e) {
  auto r = MatchExpression::compile(e);
  return r.ok() ? "" : r.error().message;
}

bool eval(const std::string& e, std::set<std::string> truths) {
  auto r = MatchExpression::compile(e);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() && r->evaluate([&](const std::string& id) { return truths.count(id) > 0; });
}

TEST(MatchExpression, SyntaxErrorsUsePytestsMessages) {
  EXPECT_EQ(error_of("foo and ("), "at column 10: expected not OR left parenthesis OR identifier; got end of input");
  EXPECT_EQ(error_of("a b"), "at column 3: expected end of input; got identifier");
  EXPECT_EQ(error_of("(a"), "at column 3: expected right parenthesis; got end of input");
  EXPECT_EQ(error_of("a)"), "at column 2: expected end of input; got right parenthesis");
  EXPECT_EQ(error_of("a or or"), "at column 6: expected not OR left parenthesis OR identifier; got or");
  EXPECT_EQ(error_of("a@b"), "at column 2: unexpected character \"@\"");
  EXPECT_EQ(error_of("and"), "at column 1: expected not OR left parenthesis OR identifier; got and");
}

TEST(MatchExpression, IdentifiersTakePytestsCharacters) {
  for (const char* ok : {"a and [x]", "1.5", "a-b", "a:b", "x/y", "foo\\", "test_a[1-2]", "naïve"})
    EXPECT_EQ(error_of(ok), "") << ok;
}

TEST(MatchExpression, EvaluatesWithPrecedence) {
  EXPECT_TRUE(eval("a or b and c", {"a"}));
  EXPECT_FALSE(eval("(a or b) and c", {"a"}));
  EXPECT_TRUE(eval("not a", {}));
  EXPECT_FALSE(eval("not not a", {}));
  EXPECT_FALSE(eval("", {"a"}));
}

TEST(StaticSelection, KeywordMatchesNamesCaseInsensitivelyAndMarkersExactly) {
  base::TestItem item{.node_id = "tests/test_parse.py::TestFormat::test_width",
                      .file = "tests/test_parse.py",
                      .cls = "TestFormat",
                      .function = "test_width",
                      .markers = {"slow"}};
  auto sel = [&](const std::string& k, const std::string& m) {
    auto s = StaticSelection::make(k, m);
    EXPECT_TRUE(s.ok());
    return s.ok() && s->selects(item);
  };
  EXPECT_TRUE(sel("format", ""));
  EXPECT_TRUE(sel("WIDTH and parse", ""));
  EXPECT_TRUE(sel("slo", ""));  // markers are keywords too
  EXPECT_FALSE(sel("not width", ""));
  EXPECT_TRUE(sel("", "slow"));
  EXPECT_FALSE(sel("", "slo"));
  auto bad = StaticSelection::make("foo and (", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "ERROR: Wrong expression passed to '-k': foo and (: at column 10: expected not OR left parenthesis OR "
            "identifier; got end of input");
}

TEST(StaticSelection, SurelyDeselectsOnlyWhatNothingAtRuntimeCanSelectAgain) {
  base::TestItem item{.node_id = "tests/test_db.py::TestPool::test_slow_connect",
                      .file = "tests/test_db.py",
                      .cls = "TestPool",
                      .function = "test_slow_connect",
                      .markers = {"stress"}};
  auto surely = [&](const std::string& k, const std::string& m) {
    auto s = StaticSelection::make(k, m);
    EXPECT_TRUE(s.ok());
    return s.ok() && s->surely_deselects(item);
  };
  // Markers and names discovery saw are there at runtime too.
  EXPECT_TRUE(surely("", "not stress"));
  EXPECT_TRUE(surely("", "not stress and not slow"));
  EXPECT_TRUE(surely("not slow", ""));  // a substring of the function's name
  EXPECT_TRUE(surely("not pool", ""));  // the class
  EXPECT_TRUE(surely("not test_db.py", ""));
  // Anything else may match at runtime: a parametrize id, a conftest's marker, a package.
  EXPECT_FALSE(surely("", "slow"));
  EXPECT_FALSE(surely("", "stress and integration"));
  EXPECT_FALSE(surely("sqlite", ""));
  EXPECT_FALSE(surely("not tests", ""));  // a directory is a node only when it is a package
  EXPECT_FALSE(surely("", "not slow"));
  EXPECT_FALSE(surely("", ""));
  EXPECT_FALSE(surely("slow or sqlite", ""));
}

}  // namespace
}  // namespace fastest::app
