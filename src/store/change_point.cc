#include "change_point.h"

#include <algorithm>
#include <cmath>

#include "stats.h"

namespace fastest::store {
namespace {

/// 1.4826 x the median absolute deviation of every sample from its own segment's median:
/// the noise of the series once the step is taken out. (The larger of the two segments'
/// own MADs, used before, let five noisy samples of a 3x slower segment hide a real step.)
double pooled_mad(const std::vector<double>& d, std::size_t k, double m1, double m2) {
  std::vector<double> dev;
  dev.reserve(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) dev.push_back(std::fabs(d[i] - (i < k ? m1 : m2)));
  return 1.4826 * median(std::move(dev));
}

}  // namespace

std::optional<ChangePoint> find_step_up(const std::vector<double>& d, double ratio, std::size_t min_side,
                                        double floor_s) {
  min_side = std::max<std::size_t>(min_side, 1);
  if (d.size() < 2 * min_side) return std::nullopt;
  // Both medians lie within [min, max]: most series (steady tests) end here, cheaply.
  const auto [lo, hi] = std::minmax_element(d.begin(), d.end());
  if (!(*hi > ratio * *lo) || *hi - *lo <= floor_s) return std::nullopt;
  std::optional<ChangePoint> best;
  std::size_t best_score = 0;
  double best_ratio = 0;
  for (std::size_t k = min_side; k + min_side <= d.size(); ++k) {
    std::vector<double> a(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(k));
    std::vector<double> b(d.begin() + static_cast<std::ptrdiff_t>(k), d.end());
    const double m1 = median(a), m2 = median(b);
    if (!(m2 > ratio * m1) || m2 - m1 <= floor_s) continue;
    if (m2 - m1 <= 3 * pooled_mad(d, k, m1, m2)) continue;
    const double mid = (m1 + m2) / 2;
    std::size_t score = 0;
    for (std::size_t i = 0; i < d.size(); ++i) score += (i < k) == (d[i] <= mid) ? 1 : 0;
    // A bimodal series (fast, slow, fast, ...) has medians apart and a zero MAD: the step
    // must also sort at least 80% of the samples onto their segment's side of the midpoint.
    if (score * 5 < d.size() * 4) continue;
    const double r = m1 > 0 ? m2 / m1 : INFINITY;
    if (!best || score > best_score || (score == best_score && r > best_ratio)) {
      best = ChangePoint{k, m1, m2};
      best_score = score;
      best_ratio = r;
    }
  }
  return best;
}

}  // namespace fastest::store
