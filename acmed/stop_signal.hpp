#pragma once
// One stop request shared by the threads of acmed: waits that end early when
// SIGTERM arrives, so that polling and back-off never delay a shutdown. A
// wake() (a new configuration arrived) also ends the current or next wait
// early, without stopping: the waiter then re-checks its inputs.

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace acmed {

class StopSignal {
 public:
  void request() {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    changed_.notify_all();
  }
  void wake() {
    {
      std::lock_guard lock(mutex_);
      woken_ = true;
    }
    changed_.notify_all();
  }
  bool requested() const {
    std::lock_guard lock(mutex_);
    return stopped_;
  }
  // Waits until `deadline` or a wake(); false when a stop was requested first.
  template <class Clock, class Duration>
  bool wait_until(std::chrono::time_point<Clock, Duration> deadline) {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [this] { return stopped_ || woken_; });
    woken_ = false;
    return !stopped_;
  }
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> delay) {
    return wait_until(std::chrono::steady_clock::now() + delay);
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopped_ = false;
  bool woken_ = false;
};

}  // namespace acmed
