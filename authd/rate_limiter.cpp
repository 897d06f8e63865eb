#include "authd/rate_limiter.hpp"

#include <algorithm>

namespace authd {

double monotonic_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

bool RateLimiter::allow(const std::string& client_ip, double now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(client_ip);
  if (it == buckets_.end()) {
    if (buckets_.size() >= limit_.max_clients) make_room(now);
    it = buckets_.emplace(client_ip, Bucket{limit_.burst, now}).first;
  }
  auto& bucket = it->second;
  bucket.tokens =
      std::min(limit_.burst, bucket.tokens + (now - bucket.updated) * limit_.per_second);
  bucket.updated = now;
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

void RateLimiter::make_room(double now) {
  const double refill_time = limit_.burst / std::max(limit_.per_second, 1e-9);
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    it = (now - it->second.updated >= refill_time) ? buckets_.erase(it) : std::next(it);
  }
  if (buckets_.size() < limit_.max_clients) return;
  auto oldest = std::min_element(
      buckets_.begin(), buckets_.end(),
      [](const auto& a, const auto& b) { return a.second.updated < b.second.updated; });
  buckets_.erase(oldest);
}

}  // namespace authd
