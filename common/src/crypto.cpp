#include "common/crypto.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <array>
#include <cstring>

#include "common/openssl.hpp"

namespace common::crypto {
namespace {

using openssl::Bignum;
using openssl::Bio;
using openssl::EcdsaSig;
using openssl::MdCtx;

constexpr std::size_t kP256FieldBytes = 32;

Bio memory_bio(std::string_view data) {
  return Bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

// Never prompt on a terminal for a passphrase: our keys are unencrypted, and
// an encrypted one is simply invalid input here.
int no_passphrase(char*, int, int, void*) { return -1; }

bool is_p256(EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_is_a(key, "EC") != 1) return false;
  std::array<char, 64> group{};
  std::size_t length = 0;
  if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &length) != 1) return false;
  return std::string_view(group.data(), length) == SN_X9_62_prime256v1;
}

Result<std::string> bignum_bytes(const BIGNUM* bn) {
  std::string out(kP256FieldBytes, '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()),
                   static_cast<int>(out.size())) != static_cast<int>(out.size())) {
    return openssl::fail_with_reason(Error::Kind::internal,
                                     "unable to encode a P-256 field element");
  }
  return out;
}

Result<std::string> bignum_param(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return openssl::fail_with_reason(Error::Kind::internal,
                                     std::string("unable to read key parameter ") + name);
  }
  Bignum value(raw);
  return bignum_bytes(value.get());
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

Result<Key> generate_p256() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key)
    return openssl::fail_with_reason(Error::Kind::internal, "unable to generate a P-256 key");
  return key;
}

Result<std::string> private_key_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || key == nullptr ||
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl::fail_with_reason(Error::Kind::internal, "unable to write a private key as PEM");
  }
  return drain(bio.get());
}

Result<std::string> public_key_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || key == nullptr || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    return openssl::fail_with_reason(Error::Kind::internal, "unable to write a public key as PEM");
  }
  return drain(bio.get());
}

Result<Key> load_private_key_pem(std::string_view pem) {
  Bio bio = memory_bio(pem);
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key)
    return openssl::fail_with_reason(Error::Kind::invalid_input,
                                     "unable to parse a private key PEM");
  return key;
}

Result<Key> load_public_key_pem(std::string_view pem) {
  Bio bio = memory_bio(pem);
  Key key(PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key)
    return openssl::fail_with_reason(Error::Kind::invalid_input,
                                     "unable to parse a public key PEM");
  return key;
}

Result<std::string> spki_der(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int length = key == nullptr ? -1 : i2d_PUBKEY(key, &der);
  if (length <= 0)
    return openssl::fail_with_reason(Error::Kind::internal, "unable to encode a public key");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

Result<std::string> spki_sha256(EVP_PKEY* key) {
  auto der = spki_der(key);
  if (!der) return std::unexpected(der.error());
  return sha256(*der);
}

std::string sha256(std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int length = 0;
  // Only fails on allocation failure inside OpenSSL: an impossible state here.
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &length,
                 EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
  out.resize(length);
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  std::size_t length = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                reinterpret_cast<unsigned char*>(out.data()), out.size(), &length) == nullptr) {
    std::abort();
  }
  out.resize(length);
  return out;
}

Result<std::string> random_bytes(std::size_t count) {
  std::string out(count, '\0');
  if (count > 0 &&
      RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
    return openssl::fail_with_reason(Error::Kind::environment, "unable to draw random bytes");
  }
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char byte : bytes) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0x0f]);
  }
  return out;
}

Result<std::string> unhex(std::string_view text) {
  if (text.size() % 2 != 0)
    return fail(Error::Kind::invalid_input, "unable to decode hex: odd length");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int high = nibble(text[i]);
    const int low = nibble(text[i + 1]);
    if (high < 0 || low < 0) {
      return fail(Error::Kind::invalid_input, "unable to decode hex: not a hex digit");
    }
    out.push_back(static_cast<char>((high << 4) | low));
  }
  return out;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

// Strict decoding: EVP_DecodeBlock tolerates whitespace and miscounts padding,
// so the alphabet and padding are checked here and the length fixed up.
Result<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return fail(Error::Kind::invalid_input,
                "unable to decode base64: length is not a multiple of 4");
  }
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  for (std::size_t i = 0; i + padding < text.size(); ++i) {
    if (base64_value(text[i]) < 0) {
      return fail(Error::Kind::invalid_input, "unable to decode base64: invalid character");
    }
  }
  if (text.empty()) return std::string();
  std::string out(text.size() / 4 * 3, '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(text.data()),
                                     static_cast<int>(text.size()));
  if (length < 0) return fail(Error::Kind::invalid_input, "unable to decode base64");
  out.resize(static_cast<std::size_t>(length) - padding);
  return out;
}

std::string base64url(std::string_view bytes) {
  std::string out = base64(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

Result<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) {
    return fail(Error::Kind::invalid_input, "unable to decode base64url: impossible length");
  }
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (c == '+' || c == '/' || c == '=') {
      return fail(Error::Kind::invalid_input, "unable to decode base64url: invalid character");
    }
  }
  standard.append((4 - standard.size() % 4) % 4, '=');
  return base64_decode(standard);
}

namespace {

// One EVP digest-sign with SHA-256: the signature in the key type's own
// encoding (DER for ECDSA, PKCS#1 v1.5 bytes for RSA).
Result<std::string> sign_sha256(EVP_PKEY* key, std::string_view data, const char* what) {
  MdCtx ctx(EVP_MD_CTX_new());
  std::size_t length = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, bytes, data.size()) != 1) {
    return openssl::fail_with_reason(Error::Kind::internal, what);
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, bytes,
                     data.size()) != 1) {
    return openssl::fail_with_reason(Error::Kind::internal, what);
  }
  signature.resize(length);
  return signature;
}

Result<bool> verify_sha256(EVP_PKEY* key, std::string_view data, std::string_view signature,
                           const char* what) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
    return openssl::fail_with_reason(Error::Kind::internal, what);
  }
  const int verdict = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(data.data()), data.size());
  // 0 is a bad signature; a negative value a malformed one (e.g. ECDSA r = 0):
  // both are simply "not valid" for untrusted input.
  ERR_clear_error();
  return verdict == 1;
}

// Shorter RSA keys are breakable; Google issues 2048-bit service-account keys.
constexpr int kMinRsaBits = 2048;

bool is_strong_rsa(EVP_PKEY* key) {
  return key != nullptr && EVP_PKEY_is_a(key, "RSA") == 1 && EVP_PKEY_get_bits(key) >= kMinRsaBits;
}

}  // namespace

namespace {

// The signing context a thread uses for a key. EVP_PKEY_sign_init looks up
// the provider's implementation, which per token made id_token signing
// 0.5-0.75x `openssl speed ecdsap256` (which sets up once). Each cached
// context holds a reference to its key, so a cached pointer can never name
// another key; four per thread cover a key rotation. Only P-256 keys are
// cached, so a hit needs no type check.
EVP_PKEY_CTX* p256_signing_context(EVP_PKEY* key) {
  struct Cached {
    EVP_PKEY* key = nullptr;
    openssl::PkeyCtx context;
  };
  thread_local std::array<Cached, 4> cache;
  thread_local std::size_t next = 0;
  for (auto& entry : cache) {
    if (entry.key == key && entry.context) return entry.context.get();
  }
  if (!is_p256(key)) return nullptr;
  openssl::PkeyCtx context(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!context || EVP_PKEY_sign_init(context.get()) != 1) return nullptr;
  Cached& slot = cache[next++ % cache.size()];
  slot.key = key;
  slot.context = std::move(context);
  return slot.context.get();
}

const EVP_MD* sha256_method() {
  static const UniqueHandle<EVP_MD, EVP_MD_free> method(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  return method.get();
}

// One DER INTEGER of an ECDSA-Sig-Value, as a 32-byte big-endian field element.
bool read_der_integer(const unsigned char*& p, const unsigned char* end, char* out) {
  if (end - p < 2 || p[0] != 0x02 || p[1] > end - p - 2) return false;
  const unsigned char* value = p + 2;
  std::size_t length = p[1];
  p = value + length;
  while (length > 0 && *value == 0) {
    ++value;
    --length;
  }
  if (length > kP256FieldBytes) return false;
  std::memset(out, 0, kP256FieldBytes - length);
  std::memcpy(out + kP256FieldBytes - length, value, length);
  return true;
}

// ECDSA-Sig-Value (DER SEQUENCE of r and s, < 128 bytes for P-256) to the
// r || s form JWS uses.
Result<std::string> raw_signature(const unsigned char* der, std::size_t length) {
  std::string out(2 * kP256FieldBytes, '\0');
  const unsigned char* p = der + 2;
  const unsigned char* end = der + length;
  if (length < 2 || der[0] != 0x30 || der[1] != length - 2 ||
      !read_der_integer(p, end, out.data()) ||
      !read_der_integer(p, end, out.data() + kP256FieldBytes) || p != end) {
    return fail(Error::Kind::internal, "unable to decode an ECDSA signature");
  }
  return out;
}

}  // namespace

Result<std::string> es256_sign(EVP_PKEY* key, std::string_view data) {
  EVP_PKEY_CTX* context = p256_signing_context(key);
  if (context == nullptr) {
    return fail(Error::Kind::invalid_input, "unable to sign ES256: not a P-256 key");
  }
  unsigned char digest[32];
  unsigned int digest_length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &digest_length, sha256_method(), nullptr) != 1) {
    return openssl::fail_with_reason(Error::Kind::internal, "unable to sign ES256");
  }
  unsigned char der[80];
  std::size_t der_length = sizeof der;
  if (EVP_PKEY_sign(context, der, &der_length, digest, digest_length) != 1) {
    return openssl::fail_with_reason(Error::Kind::internal, "unable to sign ES256");
  }
  return raw_signature(der, der_length);
}

Result<bool> es256_verify(EVP_PKEY* key, std::string_view data, std::string_view signature) {
  if (!is_p256(key)) {
    return fail(Error::Kind::invalid_input, "unable to verify ES256: not a P-256 key");
  }
  if (signature.size() != 2 * kP256FieldBytes) return false;
  const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
  Bignum r(BN_bin2bn(raw, kP256FieldBytes, nullptr));
  Bignum s(BN_bin2bn(raw + kP256FieldBytes, kP256FieldBytes, nullptr));
  EcdsaSig sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return openssl::fail_with_reason(Error::Kind::internal, "unable to build an ECDSA signature");
  }
  // ECDSA_SIG_set0 took ownership of r and s.
  static_cast<void>(r.release());
  static_cast<void>(s.release());
  unsigned char* der = nullptr;
  const int der_length = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_length <= 0)
    return openssl::fail_with_reason(Error::Kind::internal, "unable to encode a signature");
  const std::string der_copy(reinterpret_cast<char*>(der), static_cast<std::size_t>(der_length));
  OPENSSL_free(der);

  return verify_sha256(key, data, der_copy, "unable to verify ES256");
}

Result<std::string> rs256_sign(EVP_PKEY* key, std::string_view data) {
  if (!is_strong_rsa(key)) {
    return fail(Error::Kind::invalid_input,
                "unable to sign RS256: not an RSA key of 2048 bits or more");
  }
  // EVP's default padding for RSA signatures is PKCS#1 v1.5, which RS256 is.
  return sign_sha256(key, data, "unable to sign RS256");
}

Result<bool> rs256_verify(EVP_PKEY* key, std::string_view data, std::string_view signature) {
  if (!is_strong_rsa(key)) {
    return fail(Error::Kind::invalid_input,
                "unable to verify RS256: not an RSA key of 2048 bits or more");
  }
  return verify_sha256(key, data, signature, "unable to verify RS256");
}

Result<json> p256_public_jwk(EVP_PKEY* key) {
  if (!is_p256(key))
    return fail(Error::Kind::invalid_input, "unable to build a JWK: not a P-256 key");
  auto x = bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_X);
  if (!x) return std::unexpected(x.error());
  auto y = bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!y) return std::unexpected(y.error());
  return json{{"kty", "EC"}, {"crv", "P-256"}, {"x", base64url(*x)}, {"y", base64url(*y)}};
}

std::string jwk_thumbprint(const json& public_jwk) {
  // RFC 7638: only the required members, lexicographically ordered, no
  // whitespace. nlohmann's default object is a sorted map, and dump() with no
  // indent emits no whitespace, which is exactly that canonical form.
  static const std::array<std::string_view, 4> kEc = {"crv", "kty", "x", "y"};
  static const std::array<std::string_view, 3> kRsa = {"e", "kty", "n"};
  static const std::array<std::string_view, 3> kOkp = {"crv", "kty", "x"};
  json canonical = json::object();
  auto copy = [&](auto names) {
    for (std::string_view name : names) {
      const auto it = public_jwk.find(name);
      if (it != public_jwk.end()) canonical[std::string(name)] = *it;
    }
  };
  const std::string kty =
      public_jwk.is_object() && public_jwk.contains("kty") && public_jwk["kty"].is_string()
          ? public_jwk["kty"].get<std::string>()
          : std::string();
  if (kty == "RSA") {
    copy(kRsa);
  } else if (kty == "OKP") {
    copy(kOkp);
  } else if (public_jwk.is_object()) {
    copy(kEc);
  }
  return sha256(dump_json(canonical));
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  // The length is not secret (tokens have fixed lengths); the contents are.
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace common::crypto
