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

/// One sample of a test's duration series (schema 5 `series.samples`: 6 bytes each).
struct Sample {
  std::uint16_t run_tag = 0;  ///< runs.id modulo 65536
  float seconds = 0;
  bool passed = false;  ///< passed or flaky (only passes measure a test's work)
};
inline constexpr std::size_t k_sample_bytes = 6;

/// Appends one sample: the run's tag (uint16 LE), then the seconds (float32 LE) with the sign
/// bit set when the result was not a pass.
void append_sample(std::string& out, std::int64_t run_id, double seconds, bool passed);
/// The samples of a series blob, oldest first. The blob comes from an untrusted file: it is
/// read aligned to its end (a partial leading sample is dropped) and values that are not
/// finite or absurd are dropped.
std::vector<Sample> decode_samples(const void* data, std::size_t bytes);

}  // namespace fastest::store
