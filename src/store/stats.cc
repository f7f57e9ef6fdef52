#include "stats.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "base/outcome.h"

namespace fastest::store {
namespace {

constexpr double k_week_s = 7 * 24 * 3600.0;

/// 1 pass, 2 fail (as the exit code counts it), 0 for outcomes that say nothing about
/// flakiness (skips, unknown numbers from an old or hostile file). Flaky (a pass after
/// failed attempts) is a pass: its flip happened inside the run.
int verdict(int outcome) {
  if (outcome < 1 || outcome > 9) return 0;
  const auto o = static_cast<base::Outcome>(outcome);
  if (o == base::Outcome::skipped) return 0;
  return base::is_failure(o) ? 2 : 1;
}

template <class T>
double median_in_place(T* v, std::size_t n) {
  if (n == 0) return 0;
  const std::size_t mid = n / 2;
  std::nth_element(v, v + mid, v + n);
  const double hi = v[mid];
  if (n % 2 == 1) return hi;
  return (static_cast<double>(*std::max_element(v, v + mid)) + hi) / 2;
}

}  // namespace

void Recent::push(double x) {
  if (size == k_recent) {
    std::move(v.begin() + 1, v.end(), v.begin());
    --size;
  }
  v[size++] = static_cast<float>(x);
}

double median(const float* v, std::size_t n) {
  std::array<float, k_recent> tmp;
  n = std::min(n, k_recent);
  std::copy(v, v + n, tmp.begin());
  return median_in_place(tmp.data(), n);
}

double median(std::vector<double> v) { return median_in_place(v.data(), v.size()); }

double mad_spread(const float* v, std::size_t n) {
  n = std::min(n, k_recent);
  if (n < 2) return 0;
  const double m = median(v, n);
  std::array<float, k_recent> dev;
  for (std::size_t i = 0; i < n; ++i) dev[i] = static_cast<float>(std::fabs(v[i] - m));
  return 1.4826 * median_in_place(dev.data(), n);
}

double trend_ratio(const Recent& r) {
  if (r.size < 4) return 1;
  const std::size_t half = r.size / 2;
  const double older = median(r.v.data(), half);
  const double newer = median(r.v.data() + (r.size - half), half);
  if (older <= 0) return newer > 0 ? 2 : 1;
  return newer / older;
}

void fold_result(TestStatsRow& s, int outcome, std::optional<double> duration_s, std::int64_t run) {
  ++s.n;
  const int v = verdict(outcome);
  if (v == 2) ++s.failures;
  if (v != 0) {
    if (s.last_verdict != 0 && s.last_verdict != v) ++s.flips;
    s.last_verdict = v;
  }
  s.last_outcome = outcome;
  s.last_run = run;
  if (duration_s) {
    ++s.timed;
    s.last_s = *duration_s;
    s.recent.push(*duration_s);
    s.estimate_s = median(s.recent.v.data(), s.recent.size);
    s.spread_s = mad_spread(s.recent.v.data(), s.recent.size);
  }
}

std::string encode_recent(const Recent& r) {
  static_assert(std::endian::native == std::endian::little, "recent blobs are little-endian float32");
  std::string out(r.size * sizeof(float), '\0');
  if (r.size > 0) std::memcpy(out.data(), r.v.data(), out.size());
  return out;
}

Recent decode_recent(const void* data, std::size_t bytes) {
  Recent r;
  const std::size_t n = std::min(bytes / sizeof(float), k_recent);
  for (std::size_t i = 0; i < n; ++i) {
    float x;
    std::memcpy(&x, static_cast<const char*>(data) + i * sizeof(float), sizeof x);
    if (std::isfinite(x) && x >= 0 && x <= k_week_s) r.v[r.size++] = x;
  }
  return r;
}

void append_sample(std::string& out, std::int64_t run_id, double seconds, bool passed) {
  static_assert(std::endian::native == std::endian::little, "series samples are little-endian");
  const auto tag = static_cast<std::uint16_t>(static_cast<std::uint64_t>(run_id) & 0xffff);
  float f = static_cast<float>(seconds);
  if (!passed) f = -f;
  if (!passed && f == 0) f = -0.0f;  // the sign bit carries the verdict even at zero
  char bytes[k_sample_bytes];
  std::memcpy(bytes, &tag, 2);
  std::memcpy(bytes + 2, &f, 4);
  out.append(bytes, k_sample_bytes);
}

std::vector<Sample> decode_samples(const void* data, std::size_t bytes) {
  std::vector<Sample> out;
  const auto* p = static_cast<const char*>(data) + bytes % k_sample_bytes;
  out.reserve(bytes / k_sample_bytes);
  for (std::size_t i = 0; i < bytes / k_sample_bytes; ++i, p += k_sample_bytes) {
    Sample s;
    float f;
    std::memcpy(&s.run_tag, p, 2);
    std::memcpy(&f, p + 2, 4);
    if (!std::isfinite(f) || std::fabs(f) > k_week_s) continue;
    s.passed = !std::signbit(f);
    s.seconds = std::fabs(f);
    out.push_back(s);
  }
  return out;
}

}  // namespace fastest::store
