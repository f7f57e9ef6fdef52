// The rule a free worker takes its next batch by (exec dispatches with it, the scheduler
// simulates it).
#include "base/work_queues.h"

#include <gtest/gtest.h>

#include <vector>

namespace fastest::base {
namespace {

std::vector<std::size_t> drain(WorkQueues& q, int worker, double now_s) {
  std::vector<std::size_t> out;
  while (auto i = q.take(worker, now_s)) out.push_back(*i);
  return out;
}

TEST(WorkQueues, EachWorkerTakesItsOwnInOrder) {
  WorkQueues q(2);
  const int worker[] = {0, 1, 1, 0, 0, 1};
  for (std::size_t i = 0; i < 6; ++i) q.add(i, worker[i], 1.0);
  // Balanced: no move. Worker 0 at 0, worker 1 at 0, then each at its predicted end.
  EXPECT_EQ(q.take(0, 0), 0u);
  EXPECT_EQ(q.take(1, 0), 1u);
  EXPECT_EQ(q.take(0, 1), 3u);
  EXPECT_EQ(q.take(1, 1), 2u);
  EXPECT_EQ(q.take(0, 2), 4u);
  EXPECT_EQ(q.take(1, 2), 5u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.take(0, 3), std::nullopt);
}

TEST(WorkQueues, AWorkerAheadTakesOverALaterBatchOfOneRunningLateInOrder) {
  WorkQueues q(2);
  // Worker 0: 0 (1 s), 2 (1 s), 4 (1 s); worker 1: 1 (1 s), 3 (1 s).
  for (std::size_t i = 0; i < 5; ++i) q.add(i, static_cast<int>(i % 2), 1.0);
  EXPECT_EQ(q.take(0, 0), 0u);
  EXPECT_EQ(q.take(1, 0), 1u);
  // Worker 0's batch 0 overruns. At 1 a move would not help worker 1 (2 and 4 are 1 s
  // each: 3 against 3). At 2 worker 0 is predicted to end at 4 (busy until now at
  // least, then 2 and 4): worker 1 takes batch 4 (after the last it ran, 3) over.
  EXPECT_EQ(q.take(1, 1), 3u);
  EXPECT_EQ(q.take(1, 2), 4u);
  EXPECT_EQ(q.take(0, 3), 2u);
  EXPECT_TRUE(q.empty());
}

TEST(WorkQueues, MovesEvenThePredictedFinishAndKeepBothQueuesInOrder) {
  WorkQueues q(2);
  q.add(0, 0, 4.0);
  q.add(1, 1, 1.0);
  q.add(2, 0, 1.0);
  q.add(3, 1, 1.0);
  q.add(4, 0, 1.0);
  EXPECT_EQ(q.take(0, 0), 0u);  // worker 0: busy to 4, then 2 and 4: finish 6
  // Worker 1 (finish 2) takes over worker 0's last batch, 4: 5 and 3 against 6 and 2;
  // then, at 1, batch 2 too (4 and 4), each put in order into its queue.
  EXPECT_EQ(q.take(1, 0), 1u);
  EXPECT_EQ(q.take(1, 1), 2u);
  EXPECT_EQ(q.take(1, 2), 3u);
  EXPECT_EQ(q.take(1, 3), 4u);
  EXPECT_EQ(q.take(0, 4), std::nullopt);
}

TEST(WorkQueues, NoMoveThatDoesNotLowerTheLaterFinish) {
  WorkQueues q(2);
  q.add(0, 0, 2.0);
  q.add(1, 0, 2.0);
  q.add(2, 1, 2.0);
  // Worker 1 at 0: taking batch 1 over would give 4 and 4 against 4 and 2.
  EXPECT_EQ(q.take(1, 0), 2u);
  EXPECT_EQ(q.take(0, 0), 0u);
  // Worker 1 ends early, at 0.5: batch 1 comes before the 2 it ran, so moving it would
  // break its order; with nothing else left it steals it from the back all the same.
  EXPECT_EQ(q.take(1, 0.5), 1u);
  EXPECT_TRUE(q.empty());
}

TEST(WorkQueues, UnplannedInOrderWhenNothingCanMove) {
  WorkQueues q(2);
  q.add(0, 0, 1.0);
  q.add(1, -1, 1.0);
  q.add(2, 9, 1.0);  // past the workers: unplanned
  EXPECT_EQ(q.take(0, 0), 0u);
  EXPECT_EQ(q.take(1, 0), 1u);
  EXPECT_EQ(q.take(1, 1), 2u);
  EXPECT_EQ(q.take(0, 1), std::nullopt);
}

TEST(WorkQueues, TakeAheadLeavesOneBatchForOthers) {
  WorkQueues q(2);
  for (std::size_t i = 0; i < 3; ++i) q.add(i, 0, 0.01);
  EXPECT_EQ(q.take(0, 0), 0u);
  EXPECT_EQ(q.take_ahead(0), 1u);
  EXPECT_EQ(q.take_ahead(0), std::nullopt);  // the last stays where worker 1 can take it
  EXPECT_EQ(q.take(1, 0), 2u);
  // Unplanned ones go ahead only while more wait than there are workers.
  WorkQueues u(2);
  for (std::size_t i = 0; i < 3; ++i) u.add(i, -1, 0.01);
  EXPECT_EQ(u.take(0, 0), 0u);
  EXPECT_EQ(u.take_ahead(0), std::nullopt);
  u.add(3, -1, 0.01);
  EXPECT_EQ(u.take_ahead(0), 1u);
}

TEST(WorkQueues, GivenBackComesFirst) {
  WorkQueues q(1);
  for (std::size_t i = 0; i < 3; ++i) q.add(i, 0, 0.01);
  EXPECT_EQ(q.take(0, 0), 0u);
  EXPECT_EQ(q.take_ahead(0), 1u);
  q.give_back(0, 1, 0.01);
  EXPECT_EQ(drain(q, 0, 1), (std::vector<std::size_t>{1, 2}));
}

TEST(WorkQueues, PinnedItemsAreNeverMovedOrStolen) {
  WorkQueues q(2);
  q.add(0, 0, 4.0, true);
  q.add(1, 0, 1.0, true);
  q.add(2, 0, 1.0, true);
  q.add(3, 0, 1.0);
  EXPECT_EQ(q.take(0, 0), 0u);
  // Worker 1 may take over only the unpinned 3; then nothing is left for it.
  EXPECT_EQ(q.take(1, 0), 3u);
  EXPECT_EQ(q.take(1, 1), std::nullopt);
  EXPECT_FALSE(q.empty());
  EXPECT_FALSE(q.has_for(1));
  EXPECT_TRUE(q.has_for(0));
  EXPECT_EQ(drain(q, 0, 4), (std::vector<std::size_t>{1, 2}));
}

}  // namespace
}  // namespace fastest::base
