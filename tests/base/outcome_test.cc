#include "base/outcome.h"

#include <gtest/gtest.h>

namespace fastest::base {

TEST(Outcome, NamesRoundTrip) {
  for (int i = 1; i <= 9; ++i) {
    auto o = static_cast<Outcome>(i);
    ASSERT_EQ(parse_outcome(outcome_name(o)), o);
  }
  EXPECT_FALSE(parse_outcome("bogus").has_value());
}

TEST(Outcome, CrashesCountAsFailures) {
  EXPECT_TRUE(is_failure(Outcome::crashed));
  EXPECT_TRUE(is_failure(Outcome::timed_out));
  EXPECT_EQ(summary_word(Outcome::crashed), "failed");
  EXPECT_FALSE(is_failure(Outcome::xfailed));
  EXPECT_FALSE(is_failure(Outcome::skipped));
}

TEST(Outcome, FlakyIsItsOwnWordAndNoFailure) {
  EXPECT_EQ(outcome_name(Outcome::flaky), "flaky");
  EXPECT_EQ(summary_word(Outcome::flaky), "flaky");
  EXPECT_FALSE(is_failure(Outcome::flaky));
  EXPECT_EQ(static_cast<int>(Outcome::flaky), 9);  // persisted: never renumbered
}

}  // namespace fastest::base
