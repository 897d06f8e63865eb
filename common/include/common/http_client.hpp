#pragma once
// Outbound HTTP(S) on libcurl. Transport failures (DNS, connect, TLS, timeout)
// are errors; any HTTP status is a response for the caller to judge.

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace common {

struct HttpRequest {
  std::string method = "GET";
  std::string url{};  // {}: lets callers use designated initializers under -Wextra
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds connect_timeout{5000};
  std::string ca_pem{};        // extra trust anchors (PEM), in addition to the system's
  bool only_ca_pem = false;    // trust only ca_pem, not the system bundle
  bool verify_tls = true;      // false only for tests that say why
  std::size_t max_response_bytes = 4U << 20;
  bool capture_peer_certificate = false;
  std::string unix_socket{};   // connect through this Unix socket instead of TCP
  // curl's "HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT": reach a name at another
  // address while TLS still checks the name (e.g. a VM behind a port forward).
  std::vector<std::string> connect_to{};
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string peer_certificate_pem;  // leaf, when capture_peer_certificate

  std::optional<std::string> header(std::string_view name) const;  // first match
  std::vector<std::string> headers_named(std::string_view name) const;
};

Result<HttpResponse> http_request(const HttpRequest& request);

// Percent-encodes for application/x-www-form-urlencoded and query strings.
std::string url_encode(std::string_view text);
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace common
