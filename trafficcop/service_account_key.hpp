#pragma once
// A Google service-account key file (JSON, "type": "service_account") and the
// JWT bearer grant (RFC 7523) that trades it for an access token: an RS256
// assertion {iss: client_email, scope, aud: token endpoint, iat, exp}
// posted as grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/crypto.hpp"
#include "common/error.hpp"
#include "trafficcop/google_auth.hpp"

namespace trafficcop {

inline constexpr std::string_view kCloudPlatformScope =
    "https://www.googleapis.com/auth/cloud-platform";

struct ServiceAccountKey {
  std::string client_email;
  std::string private_key_id;
  std::string token_uri;  // may be empty
  common::crypto::Key private_key;
};

// The key file's text; an unreadable or malformed file is an error that
// never quotes the file (it holds a private key).
common::Result<ServiceAccountKey> parse_service_account_key(std::string_view text);

// The signed assertion (header.claims.signature, base64url), valid an hour.
common::Result<std::string> jwt_assertion(const ServiceAccountKey& key, std::string_view audience,
                                          std::chrono::system_clock::time_point now);

// The token source for --credentials=PATH. token_endpoint: --token-endpoint,
// or empty for the key file's token_uri (else Google's).
common::Result<std::unique_ptr<TokenSource>> key_file_token_source(
    const std::string& path, const std::string& token_endpoint);

}  // namespace trafficcop
