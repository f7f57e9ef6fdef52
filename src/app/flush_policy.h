#pragma once
// When buffered results are committed to the store during a run.

#include <cstddef>

#include "base/clock.h"

namespace fastest::app {

/// Results are written in transactions of up to `max_pending` rows (larger transactions
/// are cheaper per row); at a batch end, whatever is pending is committed once
/// `interval_s` has passed since the last commit, so an interrupted run keeps what
/// finished. The clock is borrowed and must outlive the policy.
class FlushPolicy {
 public:
  explicit FlushPolicy(const base::Clock& clock, std::size_t max_pending = 512, double interval_s = 0.5)
      : m_clock(clock), m_max_pending(max_pending), m_interval_s(interval_s), m_last_s(clock.now_seconds()) {}

  /// After a result was buffered: commit now?
  bool after_result(std::size_t pending) const { return pending >= m_max_pending; }
  /// At a batch end: commit now?
  bool at_batch_end(std::size_t pending) const {
    return pending > 0 && m_clock.now_seconds() - m_last_s >= m_interval_s;
  }
  /// The pending results were committed.
  void flushed() { m_last_s = m_clock.now_seconds(); }

 private:
  const base::Clock& m_clock;
  std::size_t m_max_pending;
  double m_interval_s;
  double m_last_s;
};

}  // namespace fastest::app
