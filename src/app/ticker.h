#pragma once
// A thread that calls a function every `period_s` until stopped (the live display's redraws).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace fastest::app {

class Ticker {
 public:
  /// period_s <= 0: no thread, nothing is called.
  Ticker(double period_s, std::function<void()> fn) {
    if (period_s <= 0) return;
    m_thread = std::thread([this, period_s, fn = std::move(fn)] {
      std::unique_lock lock(m_mu);
      const auto period = std::chrono::duration<double>(period_s);
      while (!m_stop) {
        if (m_cv.wait_for(lock, period, [&] { return m_stop; })) break;
        lock.unlock();
        fn();
        lock.lock();
      }
    });
  }
  ~Ticker() { stop(); }
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

  /// Waits for a call in progress to end; no call after it returns.
  void stop() {
    {
      std::lock_guard lock(m_mu);
      m_stop = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
  }

 private:
  std::mutex m_mu;
  std::condition_variable m_cv;
  bool m_stop = false;
  std::thread m_thread;
};

}  // namespace fastest::app
