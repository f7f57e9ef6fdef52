// Session-level errors beside pytest 7.2.1: a conftest that fails to import (the rootdir's,
// one below it) and an INTERNALERROR after the session started, under both engines.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

/// Lines that say what was collected and what failed: the collected line, section
/// titles, the short summary, the '!' rule and the closing line (times as "Ns").
std::string outline(const std::string& out) {
  static const std::regex duration(" in [0-9.]+s");
  std::string kept;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);)
    if (l.starts_with("collected ") || l.starts_with("____") || l.starts_with("ERROR ") || l.starts_with("!!!!") ||
        (l.starts_with("====") && l.find("test session starts") == std::string::npos) ||
        l.starts_with("INTERNALERROR> ") || l.starts_with("FAILED ") || l.starts_with("PASSED "))
      kept += std::regex_replace(l, duration, " in Ns") + "\n";
  return kept;
}

/// The testsuite's counts and each testcase's classname/name and children's tags.
std::string junit_shape(const std::string& xml) {
  static const std::regex suite(R"re(errors="\d+" failures="\d+" skipped="\d+" tests="\d+")re");
  static const std::regex part(
      R"re(<testcase classname="([^"]*)" name="([^"]*)"|<(failure|error|skipped) (message="[^"]*")?)re");
  std::smatch m;
  std::string shape = std::regex_search(xml, m, suite) ? m[0].str() : "no testsuite";
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), part); it != std::sregex_iterator(); ++it)
    shape += (*it)[3].matched ? " <" + (*it)[3].str() + " " + (*it)[4].str()
                              : " [" + (*it)[1].str() + "::" + (*it)[2].str() + "]";
  return shape;
}

const char* const k_engines[] = {"native", "pytest"};
const char* const k_workers[] = {"0", "2"};

// A conftest below the rootdir that raises at import ends pytest's session walk: the
// session's one collection error, no module collected (the two that would fail to
// import are never reached), exit 2 (1 under --continue-on-collection-errors), one JUnit
// testcase. Before, the pytest engine also listed the other modules' collection errors
// ("collected 0 items / 3 errors").
TEST(SessionErrors, SubdirectoryConftestErrorEndsTheCollectionAsPytest) {
  for (const char* cont : {"", "--continue-on-collection-errors"}) {
    FixtureProject p("session_conftest_error");
    const RunOutput want = run_pytest(p, std::string("-p no:cacheprovider --junitxml=pytest.xml ") + cont);
    ASSERT_EQ(want.exit_code, *cont ? 1 : 2) << want.out;
    ASSERT_THAT(want.out, HasSubstr("\ncollected 0 items / 1 error\n")) << want.out;
    const std::string want_xml = junit_shape(slurp(p.dir() / "pytest.xml"));
    for (const char* engine : k_engines)
      for (const char* n : k_workers) {
        std::vector<std::string> args{"-n", n, "--engine", engine, "-p", "no:cacheprovider", "--junitxml=fastest.xml"};
        if (*cont) args.push_back(cont);
        auto r = p.run(args);
        EXPECT_EQ(r.exit_code, want.exit_code) << engine << n << cont << r.out << r.err;
        EXPECT_EQ(outline(r.out), outline(want.out)) << engine << " -n " << n << " " << cont;
        EXPECT_THAT(r.out, HasSubstr("E   RuntimeError: b/conftest.py fails at import")) << r.out;
        EXPECT_EQ(junit_shape(slurp(p.dir() / "fastest.xml")), want_xml) << engine << " -n " << n << " " << cont;
      }
  }
}

// The rootdir's conftest is an initial one: pytest stops at start-up, its message on
// stderr, exit 4, and no JUnit file (its junitxml writes at session finish). Before,
// fastest wrote an empty one.
TEST(SessionErrors, RootConftestErrorWritesNoJunitAsPytest) {
  FixtureProject p("root_conftest_error");
  const RunOutput want = run_pytest(p, "-p no:cacheprovider --junitxml=pytest.xml");
  ASSERT_EQ(want.exit_code, 4) << want.out << want.err;
  ASSERT_FALSE(fs::exists(p.dir() / "pytest.xml"));
  for (const char* engine : k_engines)
    for (const char* n : k_workers) {
      auto r = p.run({"-n", n, "--engine", engine, "-p", "no:cacheprovider", "--junitxml=fastest.xml"});
      EXPECT_EQ(r.exit_code, 4) << engine << n << r.out << r.err;
      EXPECT_EQ(r.out, want.out) << engine << n;
      EXPECT_EQ(r.err, want.err) << engine << n;
      EXPECT_FALSE(fs::exists(p.dir() / "fastest.xml")) << engine << n;
    }
}

// An INTERNALERROR after the session started (a conftest's pytest_collection_modifyitems
// raises): pytest's terminal writes the INTERNALERROR> lines on stdout after the collected
// line and no summary section (no "generated xml file" line either), "no tests ran", exit
// 3; its JUnit file has junitxml's pytest_internalerror testcase. Before: the lines went to
// stderr, the sections were printed and the JUnit file had no testcase.
TEST(SessionErrors, InternalErrorIsJunitsPytestInternalTestcaseAsPytest) {
  FixtureProject p("internal_error_junit");
  const RunOutput want = run_pytest(p, "-p no:cacheprovider --junitxml=pytest.xml");
  ASSERT_EQ(want.exit_code, 3) << want.out;
  const std::string want_xml = slurp(p.dir() / "pytest.xml");
  ASSERT_THAT(want_xml, HasSubstr("<testcase classname=\"pytest\" name=\"internal\" time=\"0.000\"><error "
                                  "message=\"internal error\">Traceback (most recent call last):"));
  for (const char* engine : k_engines)
    for (const char* n : k_workers) {
      auto r = p.run({"-n", n, "--engine", engine, "-p", "no:cacheprovider", "--junitxml=fastest.xml"});
      EXPECT_EQ(r.exit_code, 3) << engine << n << r.out << r.err;
      EXPECT_THAT(r.out, HasSubstr("collected 2 items\nINTERNALERROR> Traceback (most recent call last):\n")) << r.out;
      EXPECT_THAT(r.out, HasSubstr("INTERNALERROR> ValueError: modifyitems fails\n\n=")) << r.out;
      EXPECT_THAT(r.out, HasSubstr(" no tests ran in ")) << r.out;
      EXPECT_THAT(r.out, Not(HasSubstr("generated xml file"))) << r.out;
      EXPECT_THAT(r.err, Not(HasSubstr("INTERNALERROR"))) << r.err;
      const std::string xml = slurp(p.dir() / "fastest.xml");
      EXPECT_EQ(junit_shape(xml), junit_shape(want_xml)) << engine << n;
      EXPECT_EQ(count_of(xml, "ValueError: modifyitems fails</error></testcase>"), 1u) << xml;
    }
}

}  // namespace
}  // namespace fastest::e2e
