#pragma once
// RFC 7807 problem documents as ACME servers send them (RFC 8555 §6.7).
// Every failed ACME request ends up here so that logs always carry the
// problem's type and detail, and so that callers decide by type (badNonce is
// retried at once, rateLimited waits for Retry-After, the rest backs off).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"

namespace acmed {

struct Problem {
  std::string type;    // e.g. "urn:ietf:params:acme:error:badNonce"
  std::string detail;  // human-readable, from the server
  long status = 0;     // HTTP status of the response that carried it
  std::vector<Problem> subproblems;

  // True when type is "urn:ietf:params:acme:error:<name>".
  bool is(std::string_view name) const;
  // "type: detail (HTTP status)" plus subproblems, for logs and errors.
  std::string describe() const;
};

// Reads a problem from an error response body. A body that is not a problem
// document still yields one (type "about:blank") so that callers never lose
// the HTTP status.
Problem parse_problem(std::string_view body, long status);

}  // namespace acmed
