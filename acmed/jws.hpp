#pragma once
// JSON Web Signatures as ACME wants them (RFC 8555 §6.2): flattened JSON
// serialization, ES256 with the account key, the protected header carrying
// nonce and url, and either the account URL ("kid") or, before the account
// exists, the public key itself ("jwk"). Also the HS256 inner JWS of an
// External Account Binding (RFC 8555 §7.3.4).

#include <optional>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "common/error.hpp"
#include "common/json.hpp"

namespace acmed {

struct JwsHeader {
  std::string nonce;
  std::string url;
  std::string kid;  // account URL; empty: embed the public JWK instead
};

// payload nullopt is POST-as-GET: the payload member is the empty string.
common::Result<common::json> sign_es256(EVP_PKEY* account_key, const JwsHeader& header,
                                        const std::optional<common::json>& payload);

// The externalAccountBinding object: an HS256 JWS over the account's public
// JWK, keyed with the CA-issued MAC key (base64url as CAs hand it out).
common::Result<common::json> external_account_binding(EVP_PKEY* account_key,
                                                      std::string_view eab_kid,
                                                      std::string_view eab_hmac_base64url,
                                                      std::string_view new_account_url);

}  // namespace acmed
