#pragma once
// The relying party's token request (RFC 6749 4.1.3, OIDC Core 3.1.3.1)
// parsed, its client authenticated and checked against the code it redeems,
// as pure functions: the typed request, or the OAuth error to answer with
// (RFC 6749 5.2).

#include <expected>
#include <string>
#include <string_view>

#include "authd/config.hpp"
#include "authd/login_state.hpp"

namespace authd {

struct TokenRequest {
  const OidcClient* client = nullptr;  // authenticated; points into the Config given
  std::string code;
  std::string redirect_uri;
  std::string code_verifier;
};

struct TokenError {
  int status = 400;
  std::string error;
  std::string description;
  bool basic_challenge = false;  // 401 with WWW-Authenticate: Basic
};

// From the request's Content-Type, body and Authorization header.
std::expected<TokenRequest, TokenError> parse_token_request(std::string_view content_type,
                                                            const std::string& body,
                                                            std::string_view authorization,
                                                            const Config& config);

// The code was issued to this client, for this redirect_uri, and the PKCE
// verifier matches its challenge (RFC 7636 4.6).
std::expected<void, TokenError> check_code_binding(const IssuedCode& issued,
                                                   const TokenRequest& request);

}  // namespace authd
