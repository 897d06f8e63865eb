#include "acmed/jws.hpp"

#include "common/crypto.hpp"

namespace acmed {
namespace {

namespace crypto = common::crypto;

common::json flattened(std::string_view protected_b64, std::string_view payload_b64,
                       std::string_view signature) {
  return common::json{{"protected", protected_b64},
                      {"payload", payload_b64},
                      {"signature", crypto::base64url(signature)}};
}

}  // namespace

common::Result<common::json> sign_es256(EVP_PKEY* account_key, const JwsHeader& header,
                                        const std::optional<common::json>& payload) {
  common::json protected_header{{"alg", "ES256"}, {"nonce", header.nonce}, {"url", header.url}};
  if (header.kid.empty()) {
    auto jwk = crypto::p256_public_jwk(account_key);
    if (!jwk) return std::unexpected(common::wrap(jwk.error(), "unable to build account JWK"));
    protected_header["jwk"] = *jwk;
  } else {
    protected_header["kid"] = header.kid;
  }
  const std::string protected_b64 = crypto::base64url(common::dump_json(protected_header));
  const std::string payload_b64 =
      payload ? crypto::base64url(common::dump_json(*payload)) : std::string();
  auto signature = crypto::es256_sign(account_key, protected_b64 + "." + payload_b64);
  if (!signature) return std::unexpected(common::wrap(signature.error(), "unable to sign JWS"));
  return flattened(protected_b64, payload_b64, *signature);
}

common::Result<common::json> external_account_binding(EVP_PKEY* account_key,
                                                      std::string_view eab_kid,
                                                      std::string_view eab_hmac_base64url,
                                                      std::string_view new_account_url) {
  auto mac_key = crypto::base64url_decode(eab_hmac_base64url);
  if (!mac_key || mac_key->empty()) {
    return common::fail(common::Error::Kind::invalid_input,
                        "unable to use acme_eab_hmac: not base64url");
  }
  auto jwk = crypto::p256_public_jwk(account_key);
  if (!jwk) return std::unexpected(common::wrap(jwk.error(), "unable to build account JWK"));
  const common::json protected_header{{"alg", "HS256"}, {"kid", eab_kid}, {"url", new_account_url}};
  const std::string protected_b64 = crypto::base64url(common::dump_json(protected_header));
  const std::string payload_b64 = crypto::base64url(common::dump_json(*jwk));
  const std::string mac = crypto::hmac_sha256(*mac_key, protected_b64 + "." + payload_b64);
  return flattened(protected_b64, payload_b64, mac);
}

}  // namespace acmed
