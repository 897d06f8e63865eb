#include "trafficcop/retry.hpp"

#include <algorithm>
#include <thread>

#include "common/backoff.hpp"
#include "common/log.hpp"

namespace trafficcop {
namespace {

bool retryable(const common::Result<common::HttpResponse>& response) {
  if (!response) return response.error().kind == common::Error::Kind::environment;
  return response->status == 429 || response->status >= 500;
}

// What the URL is for the log: the path, not the query (page tokens, ids).
std::string_view without_query(std::string_view url) { return url.substr(0, url.find('?')); }

}  // namespace

common::Result<common::HttpResponse> send_with_retries(const common::HttpRequest& request,
                                                       const RetryPolicy& policy) {
  common::Backoff backoff(policy.initial, policy.maximum);
  const int attempts = std::max(1, policy.max_attempts);
  for (int attempt = 1;; ++attempt) {
    auto response = common::http_request(request);
    if (!retryable(response) || attempt == attempts) return response;
    const auto delay = backoff.next();
    common::log::warning(common::log::Event{"request.retrying"}, "unable to complete a request yet",
                         {{"method", request.method},
                          {"url", std::string(without_query(request.url))},
                          {"attempt", attempt},
                          {"delay_ms", delay.count()},
                          {"reason", response ? "HTTP " + std::to_string(response->status)
                                              : response.error().message}});
    // A retry delay, not a wait for a state: there is nothing to wait on.
    std::this_thread::sleep_for(delay);
  }
}

}  // namespace trafficcop
