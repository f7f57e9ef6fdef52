// Listings that collect and run nothing (pytest's --fixtures-per-test), in both engines.
#include <gtest/gtest.h>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

TEST(ListingEndToEnd, FixturesPerTestListsInCollectionOrderAndRunsNothing) {
  FixtureProject p("listing_per_test");
  std::string first;
  for (const char* engine : {"native", "pytest"}) {
    auto r = p.run({"-n", "2", "--engine", engine, "--fixtures-per-test", "-p", "no:cacheprovider"});
    ASSERT_EQ(r.exit_code, 0) << engine << r.out << r.err;
    EXPECT_EQ(r.out.find("passed"), std::string::npos) << engine << r.out;
    EXPECT_EQ(r.out.rfind("collected 6 items\n\n", 0), 0u) << engine << r.out;
    // pytest's collection order, whichever worker finished first.
    auto one = r.out.find("fixtures used by test_one");
    auto two = r.out.find("fixtures used by test_two[2]");
    auto b = r.out.find("fixtures used by test_b");
    auto c = r.out.find("fixtures used by test_c");
    EXPECT_LT(one, two) << engine << r.out;
    EXPECT_LT(two, b) << engine << r.out;
    EXPECT_LT(b, c) << engine << r.out;
    EXPECT_NE(c, std::string::npos) << engine << r.out;
    EXPECT_EQ(r.out.find("test_none"), std::string::npos) << "no fixtures, no section\n" << r.out;
    if (first.empty()) first = r.out;
    EXPECT_EQ(r.out, first) << "the engines agree";
  }
  auto k = p.run({"--engine", "pytest", "--fixtures-per-test", "-k", "two"});
  EXPECT_EQ(k.exit_code, 0) << k.out << k.err;
  EXPECT_EQ(k.out.rfind("collected 6 items / 4 deselected / 2 selected\n", 0), 0u) << k.out;
  EXPECT_EQ(k.out.find("test_one"), std::string::npos) << k.out;
}

}  // namespace
}  // namespace fastest::e2e
