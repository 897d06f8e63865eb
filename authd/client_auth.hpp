#pragma once
// Relying-party authentication at /token (RFC 6749 2.3, OIDC Core 9):
// client_secret_basic, client_secret_post, or none (public clients, which
// are then held to PKCE). Secrets are compared by SHA-256 in constant time.

#include <expected>
#include <map>
#include <string>
#include <string_view>

#include "authd/config.hpp"

namespace authd {

struct ClientAuthFailure {
  std::string error;  // invalid_request | invalid_client
  std::string description;
  bool used_basic = false;  // then 401 with WWW-Authenticate: Basic
};

// The authenticated client, or why not. `authorization`: the Authorization
// header ("" when absent); its scheme name is case-insensitive (RFC 7235).
std::expected<const OidcClient*, ClientAuthFailure> authenticate_client(
    const Config& config, std::string_view authorization,
    const std::map<std::string, std::string>& form);

}  // namespace authd
