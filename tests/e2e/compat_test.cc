// End-to-end: pytest behaviours of the native engine that span the controller (issue 7).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// pytest.exit() in pytest_collection_modifyitems: pytest collects the whole session
// first, so it runs no test; its exit code, "no tests ran", the Exit line.
TEST(CollectionExit, ExitInModifyItemsRunsNoTestAsPytest) {
  FixtureProject p("collect_exit");
  for (const char* workers : {"1", "2"}) {
    auto r = p.run({"-n", workers, "--schedule", "fifo", "--junitxml", "j.xml", "-p", "no:cacheprovider"});
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr(" no tests ran in ")) << r.out;
    EXPECT_THAT(r.out, Not(HasSubstr("passed"))) << r.out;
    EXPECT_THAT(r.err, HasSubstr("!!! _pytest.outcomes.Exit: enough !!!")) << r.err;
    EXPECT_THAT(slurp(p.dir() / "j.xml"), HasSubstr("tests=\"0\"")) << slurp(p.dir() / "j.xml");
  }
}

}  // namespace
}  // namespace fastest::e2e
