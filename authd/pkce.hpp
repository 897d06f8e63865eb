#pragma once
// PKCE (RFC 7636), S256 only: "plain" gives no protection when the
// authorization request leaks, so it is not offered.

#include <string_view>

namespace authd {

// base64url(SHA-256(...)) is exactly 43 characters.
bool is_valid_code_challenge(std::string_view challenge);
// 43..128 characters of [A-Z a-z 0-9 - . _ ~].
bool is_valid_code_verifier(std::string_view verifier);
bool pkce_s256_matches(std::string_view verifier, std::string_view challenge);

}  // namespace authd
