#pragma once
// Internal to the store: the per-test statistics kept in test_stats, folded one result at a
// time (pure code, no SQLite).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fastest::store {

/// How many recent valid durations feed the median (and travel in the `recent` blob).
inline constexpr std::size_t k_recent = 16;

/// The last k_recent valid durations, oldest first. float32 on disk and in memory: a
/// duration needs no more than 7 significant digits and the row stays small.
struct Recent {
  std::array<float, k_recent> v{};
  std::uint8_t size = 0;

  void push(double x);
  std::vector<double> to_vector() const { return {v.begin(), v.begin() + size}; }
};

struct TestStatsRow {
  std::int64_t n = 0, timed = 0;
  double estimate_s = 0, spread_s = 0;
  std::optional<double> last_s;
  int last_outcome = 0;
  int last_verdict = 0;  ///< 0 none, 1 pass, 2 fail
  std::int64_t failures = 0, flips = 0;
  std::int64_t last_run = 0;  ///< runs.id of the run that gave last_outcome
  Recent recent;
};

/// Folds one result (outcome number, duration or nullopt when rejected) of run `run` into `s`.
void fold_result(TestStatsRow& s, int outcome, std::optional<double> duration_s, std::int64_t run);

/// Median and 1.4826 x MAD of the first `n` values of `v` (0 when empty).
double median(const float* v, std::size_t n);
double mad_spread(const float* v, std::size_t n);
double median(std::vector<double> v);

/// Ratio of the newer half's median to the older half's (1 when fewer than 4 values).
double trend_ratio(const Recent& r);

/// `recent` as stored: float32 little-endian. Decoding drops values that are not finite,
/// negative or absurd, and anything past k_recent (the blob comes from an untrusted file).
std::string encode_recent(const Recent& r);
Recent decode_recent(const void* data, std::size_t bytes);

}  // namespace fastest::store
