// The pytest command line through the real binary: -k/-m on static listings, usage
// errors (exit 4, nothing written), addopts via -o, conftest options.
#include <gtest/gtest.h>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

TEST(CliEndToEnd, StaticCollectOnlyAppliesKeywordAndMarkExpressions) {
  FixtureProject p("cli_static_k");
  auto r = p.run({"--collect-only", "--static", "-q", "-k", "parse and not huge"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("tests/test_parse.py::test_parse_int\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tests/test_parse.py::TestFormat::test_width\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("test_parse_huge"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("test_unrelated"), std::string::npos) << r.out;
  auto m = p.run({"--co", "--static", "-m", "slow"});
  EXPECT_EQ(m.exit_code, 0) << m.out << m.err;
  EXPECT_NE(m.out.find("tests/test_parse.py::test_parse_huge\n"), std::string::npos) << m.out;
  EXPECT_EQ(m.out.find("test_parse_int"), std::string::npos) << m.out;
}

TEST(CliEndToEnd, OverriddenAddoptsTakeEffect) {
  FixtureProject p("cli_static_k");
  auto r = p.run({"-o", "addopts=-k width", "--co", "--static"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("TestFormat::test_width"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("test_parse_int"), std::string::npos) << r.out;
}

TEST(CliEndToEnd, BadKeywordExpressionIsExitFourAndWritesNothing) {
  FixtureProject p("cli_static_k");
  auto r = p.run({"-k", "foo and ("});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("ERROR: Wrong expression passed to '-k': foo and (: at column 10: expected not OR left "
                       "parenthesis OR identifier; got end of input"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(p.db()));
}

TEST(CliEndToEnd, MalformedIniIsExitFourNamingTheFile) {
  FixtureProject p("cli_static_k");
  std::ofstream(p.dir() / "pytest.ini") << "[pytest]\nmarkers\n";
  auto r = p.run({});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("pytest.ini:2: unexpected line: 'markers'"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Traceback"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(p.db()));
}

TEST(CliEndToEnd, UnknownOptionIsExitFourNamingIt) {
  FixtureProject p("cli_static_k");
  auto r = p.run({"tests", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("fastest: error: unrecognized arguments: --no-such-flag"), std::string::npos) << r.err;
}

TEST(CliEndToEnd, ConftestOptionsAreAcceptedBeforeAndAfterPaths) {
  FixtureProject p("cli_conftest_opt");
  auto a = p.run({"--runslow", "--level", "3", "tests", "--co", "--static", "--strict-config"});
  EXPECT_EQ(a.exit_code, 0) << a.out << a.err;
  EXPECT_NE(a.out.find("tests/test_a.py::test_a"), std::string::npos) << a.out;
  auto b = p.run({"tests", "--level=2", "--runslow", "--co", "--static"});
  EXPECT_EQ(b.exit_code, 0) << b.out << b.err;
  auto c = p.run({"--noconftest", "--runslow", "--co", "--static"});
  EXPECT_EQ(c.exit_code, 4) << c.out << c.err;
}

TEST(CliEndToEnd, ConftestOptionValuesReachTheTestsInBothEngines) {
  FixtureProject p("cli_conftest_opt");
  for (const char* engine : {"native", "pytest"}) {
    auto r = p.run({"-n", "1", "--engine", engine, "tests", "--level", "3", "--runslow"});
    EXPECT_EQ(r.exit_code, 0) << engine << r.out << r.err;
    EXPECT_NE(r.out.find("2 passed"), std::string::npos) << engine << r.out;
  }
  auto wrong = p.run({"-n", "1", "--level=4", "--runslow", "tests"});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out << wrong.err;
}

}  // namespace
}  // namespace fastest::e2e
