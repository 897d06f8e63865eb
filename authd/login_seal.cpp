#include "authd/login_seal.hpp"

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

#include "common/crypto.hpp"
#include "common/json.hpp"
#include "common/log.hpp"

namespace authd {
namespace {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
// Binds the ciphertext to its purpose and format version.
constexpr std::string_view kAssociatedData = "authd pending login v1";

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::string random_key(std::size_t bytes) {
  auto drawn = common::crypto::random_bytes(bytes);
  if (!drawn) {
    // No randomness means no safe key: an impossible state; init restarts us.
    common::log::critical(common::log::Event{"random.unavailable"}, "unable to draw random bytes",
                          {{"reason", drawn.error().message}});
    std::abort();
  }
  return *drawn;
}

const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// AES-256-GCM; returns ciphertext | tag, or nullopt on a library failure.
std::optional<std::string> encrypt(const std::string& key, const std::string& nonce,
                                   std::string_view plain) {
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(plain.size() + kTagBytes, '\0');
  auto* data = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  int total = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes_of(key), bytes_of(nonce)) !=
          1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes_of(kAssociatedData),
                        static_cast<int>(kAssociatedData.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), data, &len, bytes_of(plain), static_cast<int>(plain.size())) !=
          1) {
    return std::nullopt;
  }
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), data + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, data + plain.size()) != 1) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> decrypt(const std::string& key, std::string_view nonce,
                                   std::string_view sealed) {
  if (sealed.size() < kTagBytes) return std::nullopt;
  const std::string_view cipher = sealed.substr(0, sealed.size() - kTagBytes);
  std::string tag(sealed.substr(cipher.size()));
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(cipher.size(), '\0');
  auto* data = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes_of(key), bytes_of(nonce)) !=
          1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes_of(kAssociatedData),
                        static_cast<int>(kAssociatedData.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), data, &len, bytes_of(cipher), static_cast<int>(cipher.size())) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), data + len, &len) != 1) {
    return std::nullopt;  // forged, altered or sealed with other keys
  }
  return out;
}

std::optional<PendingLogin> login_from_json(const std::string& text) {
  auto doc = common::parse_json(text);
  if (!doc || !doc->is_object()) return std::nullopt;
  PendingLogin login;
  const std::pair<const char*, std::string*> fields[] = {
      {"c", &login.client_id}, {"r", &login.redirect_uri},   {"s", &login.state},
      {"n", &login.nonce},     {"p", &login.code_challenge}, {"g", &login.scope}};
  for (const auto& [key, out] : fields) {
    auto value = common::string_field(*doc, key);
    if (!value) return std::nullopt;
    *out = std::move(*value);
  }
  auto started = doc->find("t");
  if (started == doc->end() || !started->is_number_integer()) return std::nullopt;
  login.started = started->get<std::int64_t>();
  return login;
}

}  // namespace

std::string login_cookie_name(std::size_t slot) {
  return "__Host-authd-login-" + std::to_string(slot);
}

LoginSealer::LoginSealer() : aead_key_(random_key(32)), mac_key_(random_key(32)) {}

std::string LoginSealer::seal(const PendingLogin& login) const {
  const common::json doc = {{"c", login.client_id}, {"r", login.redirect_uri},   {"s", login.state},
                            {"n", login.nonce},     {"p", login.code_challenge}, {"g", login.scope},
                            {"t", login.started}};
  // A random 96-bit nonce per seal: safe for far more seals than one process
  // makes (NIST SP 800-38D's 2^32 per key).
  const std::string nonce = random_key(kNonceBytes);
  auto sealed = encrypt(aead_key_, nonce, common::dump_json(doc));
  if (!sealed) {
    common::log::critical(common::log::Event{"login.unsealable"}, "unable to seal login",
                          {{"reason", "AES-256-GCM failed"}});
    std::abort();
  }
  return common::crypto::base64url(nonce + *sealed);
}

std::optional<PendingLogin> LoginSealer::open(std::string_view sealed) const {
  if (sealed.size() > kMaxSealedLoginBytes) return std::nullopt;
  auto raw = common::crypto::base64url_decode(sealed);
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return std::nullopt;
  auto plain = decrypt(aead_key_, std::string_view(*raw).substr(0, kNonceBytes),
                       std::string_view(*raw).substr(kNonceBytes));
  if (!plain) return std::nullopt;
  return login_from_json(*plain);
}

std::string LoginSealer::state_for(std::string_view sealed) const {
  return common::crypto::base64url(common::crypto::hmac_sha256(mac_key_, sealed));
}

}  // namespace authd
