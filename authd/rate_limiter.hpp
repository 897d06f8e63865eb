#pragma once
// Per-client-IP token buckets for the endpoints that cost upstream calls or
// guessable secrets (/authorize, /callback, /token). Bounded: at most
// max_clients addresses are tracked; when full, idle (refilled) buckets are
// dropped first, then the least recently seen.

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace authd {

struct RateLimit {
  double burst = 30;      // requests allowed at once
  double per_second = 5;  // sustained rate
  std::size_t max_clients = 10000;
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}
  // now in seconds (monotonic; a double so tests can step it).
  bool allow(const std::string& client_ip, double now);

 private:
  struct Bucket {
    double tokens;
    double updated;
  };
  void make_room(double now);

  RateLimit limit_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

double monotonic_seconds();

}  // namespace authd
