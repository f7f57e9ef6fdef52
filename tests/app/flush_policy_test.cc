#include "app/flush_policy.h"

#include <gtest/gtest.h>

namespace fastest::app {
namespace {

TEST(FlushPolicy, CommitsAfterResultOnlyWhenTheTransactionIsFull) {
  base::FakeClock clock;
  FlushPolicy policy(clock, 512, 0.5);
  EXPECT_FALSE(policy.after_result(1));
  EXPECT_FALSE(policy.after_result(511));
  EXPECT_TRUE(policy.after_result(512));
  clock.advance(3600);  // time alone never commits mid-batch
  EXPECT_FALSE(policy.after_result(100));
}

TEST(FlushPolicy, CommitsAtABatchEndOnceTheIntervalPassed) {
  base::FakeClock clock;
  FlushPolicy policy(clock, 512, 0.5);
  EXPECT_FALSE(policy.at_batch_end(10)) << "a fresh run commits nothing before 0.5 s";
  clock.advance(0.49);
  EXPECT_FALSE(policy.at_batch_end(10));
  clock.advance(0.01);
  EXPECT_TRUE(policy.at_batch_end(10));
  EXPECT_FALSE(policy.at_batch_end(0)) << "nothing pending, nothing to commit";
}

TEST(FlushPolicy, ACommitRestartsTheInterval) {
  base::FakeClock clock;
  FlushPolicy policy(clock, 512, 0.5);
  clock.advance(2.0);
  ASSERT_TRUE(policy.at_batch_end(3));
  policy.flushed();
  EXPECT_FALSE(policy.at_batch_end(3));
  clock.advance(0.5);
  EXPECT_TRUE(policy.at_batch_end(3));
}

}  // namespace
}  // namespace fastest::app
