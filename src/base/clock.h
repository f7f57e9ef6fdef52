#pragma once
// Monotonic time behind an interface so tests can fake it.

#include <chrono>

namespace fastest::base {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Seconds on a monotonic clock with an arbitrary epoch.
  virtual double now_seconds() const = 0;
};

class SteadyClock final : public Clock {
 public:
  double now_seconds() const override {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
};

class FakeClock final : public Clock {
 public:
  double now_seconds() const override { return m_now; }
  void advance(double seconds) { m_now += seconds; }

 private:
  double m_now = 0;
};

}  // namespace fastest::base
