#include "jwt_check.hpp"

#include <memory>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

namespace authd_test {
namespace {

using common::Error;
using common::fail;

// base64url without padding, decoded by hand so nothing of ours is reused.
common::Result<std::string> b64url(const std::string& in) {
  std::string std64 = in;
  for (auto& c : std64) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (std64.size() % 4) std64 += '=';
  std::string out(std64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(std64.data()),
                          static_cast<int>(std64.size()));
  if (n < 0) return fail(Error::Kind::invalid_input, "bad base64url");
  std::size_t pad = 0;
  while (pad < 2 && !std64.empty() && std64[std64.size() - 1 - pad] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

common::Result<std::unique_ptr<EVP_PKEY, PkeyFree>> key_from_jwk(const common::json& jwk) {
  if (jwk.value("kty", "") != "EC" || jwk.value("crv", "") != "P-256") {
    return fail(Error::Kind::invalid_input, "not a P-256 JWK");
  }
  auto x = b64url(jwk.value("x", ""));
  auto y = b64url(jwk.value("y", ""));
  if (!x || !y || x->size() != 32 || y->size() != 32) {
    return fail(Error::Kind::invalid_input, "bad JWK coordinates");
  }
  std::string point = "\x04" + *x + *y;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>("prime256v1"),
                                       0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  bool ok = ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return fail(Error::Kind::invalid_input, "OpenSSL refused the JWK");
  return std::unique_ptr<EVP_PKEY, PkeyFree>(key);
}

common::Result<std::string> raw_to_der(const std::string& raw) {
  if (raw.size() != 64) return fail(Error::Kind::invalid_input, "ES256 signature is not 64 bytes");
  auto* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  auto* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

}  // namespace

common::Result<VerifiedJwt> verify_es256_jwt(const std::string& token, const common::json& jwks) {
  auto dot1 = token.find('.');
  auto dot2 = token.find('.', dot1 == std::string::npos ? 0 : dot1 + 1);
  if (dot1 == std::string::npos || dot2 == std::string::npos) {
    return fail(Error::Kind::invalid_input, "not a compact JWS");
  }
  auto header_text = b64url(token.substr(0, dot1));
  auto claims_text = b64url(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = b64url(token.substr(dot2 + 1));
  if (!header_text || !claims_text || !signature) {
    return fail(Error::Kind::invalid_input, "bad base64url in JWS");
  }
  VerifiedJwt out;
  out.header = common::json::parse(*header_text, nullptr, false);
  out.claims = common::json::parse(*claims_text, nullptr, false);
  if (!out.header.is_object() || !out.claims.is_object()) {
    return fail(Error::Kind::invalid_input, "JWS parts are not JSON objects");
  }
  if (out.header.value("alg", "") != "ES256") return fail(Error::Kind::invalid_input, "alg");
  const std::string kid = out.header.value("kid", "");
  const common::json* jwk = nullptr;
  auto keys = jwks.find("keys");
  if (!jwks.is_object() || keys == jwks.end() || !keys->is_array()) {
    return fail(Error::Kind::invalid_input, "JWKS without keys");
  }
  for (const auto& key : *keys) {
    if (key.is_object() && key.value("kid", "") == kid) jwk = &key;
  }
  if (jwk == nullptr) return fail(Error::Kind::not_found, "no key with kid " + kid);
  auto key = key_from_jwk(*jwk);
  if (!key) return std::unexpected(key.error());
  auto der = raw_to_der(*signature);
  if (!der) return std::unexpected(der.error());
  const std::string signed_part = token.substr(0, dot2);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key->get()) == 1 &&
            EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(der->data()), der->size(),
                             reinterpret_cast<const unsigned char*>(signed_part.data()),
                             signed_part.size()) == 1;
  EVP_MD_CTX_free(md);
  if (!ok) return fail(Error::Kind::permission, "signature does not verify");
  return out;
}

}  // namespace authd_test
