#pragma once
// What attestd binds into a quote, defined once for both trust sides.
//
// The bindings are a JSON object whose values are lower-case hex SHA-256
// digests (or null when a binding is not available yet):
//   "tls_spki_sha256": SHA-256 of the DER SubjectPublicKeyInfo of the TLS
//                      certificate attestd serves with at the time of the quote
//   "jwks_sha256":     SHA-256 of authd's canonical JWKS bytes (null until
//                      authd has published its keys)
// Canonical form: the object serialised as compact JSON (no whitespace),
// members sorted by key, ASCII only -- what `jq -cjS .bindings` prints.
// qualifying_data = SHA-256(nonce bytes ‖ SHA-256(canonical form)).

#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/json.hpp"

namespace attest {

inline constexpr std::string_view kBindingTlsSpki = "tls_spki_sha256";
inline constexpr std::string_view kBindingJwks = "jwks_sha256";

// Checks the shape (an object of 64-hex-digit strings or nulls) and returns
// the canonical bytes; anything else is invalid_input.
common::Result<std::string> canonical_bindings(const common::json& bindings);

// Raw 32 bytes that go into TPM2_Quote's qualifyingData.
common::Result<std::string> qualifying_data(std::string_view nonce, const common::json& bindings);

}  // namespace attest
