#include "common/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace common {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds maximum,
                 double multiplier, bool jitter)
    : initial_(initial),
      maximum_(std::max(initial, maximum)),
      multiplier_(multiplier),
      jitter_(jitter) {}

std::chrono::milliseconds Backoff::next() {
  // Computed in double so that a long outage cannot overflow the integer.
  const double grown = static_cast<double>(initial_.count()) *
                       std::pow(std::max(multiplier_, 1.0), static_cast<double>(attempt_));
  const auto cap = static_cast<double>(maximum_.count());
  const auto delay = static_cast<std::int64_t>(std::min(grown, cap));
  if (attempt_ < 64) ++attempt_;
  if (!jitter_ || delay < 2) return std::chrono::milliseconds(delay);
  // Jitter only spreads clients apart; it needs no cryptographic quality.
  thread_local std::minstd_rand engine{std::random_device{}()};
  std::uniform_int_distribution<std::int64_t> spread(delay / 2, delay);
  return std::chrono::milliseconds(spread(engine));
}

}  // namespace common
