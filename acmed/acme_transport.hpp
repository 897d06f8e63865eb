#pragma once
// The only code in acmed that talks to the ACME server (like acme-client's
// netproc): plain GETs for the directory and renewal information, and JWS-
// signed POSTs with nonce handling. A badNonce error is always retried with
// the nonce the error response carries; every other problem document is
// logged with its type and detail and returned as an error. Retry-After on a
// 429, a 503 or a rateLimited problem is kept for the scheduler.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "acmed/acme_headers.hpp"
#include "acmed/directory.hpp"
#include "acmed/nonce_pool.hpp"
#include "acmed/problem.hpp"
#include "common/error.hpp"
#include "common/http_client.hpp"
#include "common/json.hpp"

namespace acmed {

struct AcmeResponse {
  common::HttpResponse http;
  common::json body;  // parsed JSON body, or null when the body is not JSON

  long status() const { return http.status; }
  std::string location() const { return http.header("location").value_or(""); }
  std::optional<Clock::time_point> retry_after() const;
};

struct TransportOptions {
  std::string ca_pem;  // extra trust anchor for the ACME server (test CAs)
  std::chrono::milliseconds timeout{30000};
  int max_bad_nonce_retries = 20;  // a CA may reject many nonces in a row
};

class AcmeTransport {
 public:
  explicit AcmeTransport(TransportOptions options) : options_(std::move(options)) {}

  // Fetches and parses the directory; remembers its newNonce URL.
  common::Result<Directory> fetch_directory(const std::string& url);
  // Unsigned GET (renewalInfo). A non-2xx status is an error.
  common::Result<AcmeResponse> get(const std::string& url);
  // Signed POST; payload nullopt is POST-as-GET. kid empty: embed the JWK.
  common::Result<AcmeResponse> post(const std::string& url, EVP_PKEY* key, const std::string& kid,
                                    const std::optional<common::json>& payload,
                                    std::string_view accept = {});

  // The problem of the most recent failed request, if it carried one.
  const std::optional<Problem>& last_problem() const { return last_problem_; }
  // The latest time the server asked us to wait for (cleared when taken).
  std::optional<Clock::time_point> take_retry_after();
  // A Retry-After the caller could not honour in place (an order's poll past
  // its deadline): the scheduler waits for it like a rate limit's.
  void defer_until(Clock::time_point until) {
    if (!retry_after_ || until > *retry_after_) retry_after_ = until;
  }

 private:
  common::HttpRequest base_request(std::string method, const std::string& url) const;
  common::Result<std::string> fresh_nonce();
  common::Error failure(std::string_view method, const std::string& url,
                        const common::HttpResponse& response);

  TransportOptions options_;
  std::string new_nonce_url_;
  NoncePool nonces_;
  std::optional<Problem> last_problem_;
  std::optional<Clock::time_point> retry_after_;
};

}  // namespace acmed
