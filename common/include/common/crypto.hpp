#pragma once
// Thin RAII helpers over OpenSSL 3 EVP: P-256 keys, PEM in memory, SPKI
// digests, ES256 and RS256, SHA-256, HMAC, base64/base64url, hex and secure
// random bytes.
// Byte strings are std::string (binary-safe); hex and base64 are text.

#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/error.hpp"
#include "common/json.hpp"
#include "common/unique_handle.hpp"

namespace common::crypto {

using Key = UniqueHandle<EVP_PKEY, EVP_PKEY_free>;
using Certificate = UniqueHandle<X509, X509_free>;

Result<Key> generate_p256();
Result<std::string> private_key_pem(EVP_PKEY* key);  // PKCS#8
Result<std::string> public_key_pem(EVP_PKEY* key);   // SubjectPublicKeyInfo
Result<Key> load_private_key_pem(std::string_view pem);
Result<Key> load_public_key_pem(std::string_view pem);
Result<std::string> spki_der(EVP_PKEY* key);
Result<std::string> spki_sha256(EVP_PKEY* key);  // raw 32 bytes

std::string sha256(std::string_view data);  // raw 32 bytes
std::string hmac_sha256(std::string_view key, std::string_view data);
Result<std::string> random_bytes(std::size_t count);

std::string hex(std::string_view bytes);  // lower case
Result<std::string> unhex(std::string_view text);
std::string base64(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);
std::string base64url(std::string_view bytes);  // no padding
Result<std::string> base64url_decode(std::string_view text);

// ES256 as JWS wants it: the 64-byte r‖s form, not DER.
Result<std::string> es256_sign(EVP_PKEY* key, std::string_view data);
Result<bool> es256_verify(EVP_PKEY* key, std::string_view data, std::string_view signature);
// RS256 (RSASSA-PKCS1-v1_5 with SHA-256) as JWS wants it, for RSA keys of at
// least 2048 bits (Google's service-account keys; the JWT bearer grant).
Result<std::string> rs256_sign(EVP_PKEY* key, std::string_view data);
Result<bool> rs256_verify(EVP_PKEY* key, std::string_view data, std::string_view signature);
// Public JWK {"kty":"EC","crv":"P-256","x","y"} and its RFC 7638 thumbprint
// (raw SHA-256 of the canonical members).
Result<json> p256_public_jwk(EVP_PKEY* key);
std::string jwk_thumbprint(const json& public_jwk);

// Constant-time comparison for secrets.
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace common::crypto
