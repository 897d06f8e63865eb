#pragma once
// Verifies an ES256 JWT against a JWKS with OpenSSL directly (not through
// authd's or common's crypto code), as a relying party would.

#include <string>

#include "common/error.hpp"
#include "common/json.hpp"

namespace authd_test {

struct VerifiedJwt {
  common::json header;
  common::json claims;
};

// Checks alg=ES256, finds the key by kid, verifies the signature. Claims are
// returned for the caller to check (iss, aud, nonce, exp).
common::Result<VerifiedJwt> verify_es256_jwt(const std::string& token, const common::json& jwks);

}  // namespace authd_test
