#pragma once
// The relying party's authorization request (OIDC Core 3.1.2.1), parsed and
// validated as a pure function: the typed request, or the error to answer
// with. Until client_id and redirect_uri are known good the error is a page,
// never a redirect to an unregistered URI (RFC 6749 4.1.2.1); after that it
// goes back to the redirect_uri as an OAuth error.

#include <expected>
#include <string>
#include <string_view>
#include <variant>

#include "authd/config.hpp"
#include "common/http_message.hpp"

namespace authd {

struct AuthorizeRequest {
  std::string client_id;
  std::string redirect_uri;  // as sent: a loopback one may carry any port
  std::string state;         // the relying party's, passed back as is
  std::string nonce;
  std::string code_challenge;  // S256; empty when the client sent none
  std::string scope;           // granted: "openid" or "openid email"
};

// Shown to the person: the request cannot be trusted to name where to return.
struct AuthorizePage {
  int status = 400;
  std::string title;
  std::string explanation;
};

// Sent back to the relying party's registered redirect_uri.
struct AuthorizeRedirect {
  std::string redirect_uri;
  std::string state;
  std::string error;  // RFC 6749 4.1.2.1 / OIDC Core 3.1.2.6 error code
  std::string description;
};

using AuthorizeError = std::variant<AuthorizePage, AuthorizeRedirect>;

std::expected<AuthorizeRequest, AuthorizeError> parse_authorize_request(
    const common::http::Params& params, const Config& config);

// True when the space-separated `scopes` contains `wanted`.
bool has_scope(std::string_view scopes, std::string_view wanted);

}  // namespace authd
