#pragma once
// Internal to the store: the duration-regression test of `fastest stats --regressions`
// (pure code, no SQLite).

#include <cstddef>
#include <optional>
#include <vector>

namespace fastest::store {

/// A step up in a series of durations (oldest first).
struct ChangePoint {
  std::size_t at = 0;  ///< index of the first sample of the slower segment
  double before_s = 0, after_s = 0;
};

/// The split of `d` into an earlier and a recent segment (each at least `min_side` samples)
/// where the recent median is more than `ratio` x the earlier one and the medians differ by
/// more than 3 x the pooled 1.4826 x MAD (each sample's deviation from its own segment's
/// median) and by more than `floor_s`, and at least
/// 80% of the samples lie on their segment's side of the medians' midpoint: a median split
/// with a MAD margin, so one noisy run never makes a regression. Of the qualifying splits the
/// one classifying most samples wins (then the larger ratio). nullopt: no such step.
std::optional<ChangePoint> find_step_up(const std::vector<double>& d, double ratio, std::size_t min_side = 3,
                                        double floor_s = 1e-3);

}  // namespace fastest::store
