#pragma once
// Calls to Google's JSON REST APIs (Monitoring, Compute) with a bearer token:
// retried on transport errors, 429 and 5xx (retry.hpp); on 401 the token is
// dropped and the call made once more with a fresh one; an error answer
// (google.rpc.Status: {"error":{"code","message","status"}}) becomes an
// Error sorted by its HTTP status.

#include <string>

#include "common/error.hpp"
#include "common/json.hpp"
#include "trafficcop/google_auth.hpp"
#include "trafficcop/retry.hpp"

namespace trafficcop {

class GoogleApi {
 public:
  explicit GoogleApi(TokenSource& tokens, RetryPolicy retry = {})
      : tokens_(tokens), retry_(retry) {}

  common::Result<common::json> get(const std::string& url);
  common::Result<common::json> post(const std::string& url);  // empty body

 private:
  common::Result<common::json> call(const std::string& method, const std::string& url);

  TokenSource& tokens_;
  RetryPolicy retry_;
};

}  // namespace trafficcop
