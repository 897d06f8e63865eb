#pragma once
// Exponential back-off with full jitter, in one place for every retry loop
// (metadata, ACME, IPC reconnects, service restarts).

#include <chrono>
#include <cstdint>

namespace common {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds maximum,
          double multiplier = 2.0, bool jitter = true);
  // The next delay: min(maximum, initial * multiplier^attempt), jittered in
  // [delay/2, delay] so that many clients do not retry in step.
  std::chrono::milliseconds next();
  void reset() { attempt_ = 0; }
  unsigned attempts() const { return attempt_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds maximum_;
  double multiplier_;
  bool jitter_;
  unsigned attempt_ = 0;
};

}  // namespace common
