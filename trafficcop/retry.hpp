#pragma once
// Every call trafficcop makes goes through here: transport failures, 429 and
// 5xx are retried with back-off (common::Backoff), a bounded number of times,
// so that one run ends well within the scheduler's ten minutes.

#include <chrono>

#include "common/error.hpp"
#include "common/http_client.hpp"

namespace trafficcop {

struct RetryPolicy {
  int max_attempts = 4;
  std::chrono::milliseconds initial{500};
  std::chrono::milliseconds maximum{8000};
};

// The last answer (any status, for the caller to judge) or the last
// transport error once the attempts are spent.
common::Result<common::HttpResponse> send_with_retries(const common::HttpRequest& request,
                                                       const RetryPolicy& policy = {});

}  // namespace trafficcop
