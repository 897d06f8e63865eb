#include "authd/key_ring.hpp"

namespace authd {

struct KeyRing::Key {
  common::crypto::Key pkey;
  std::string kid;
  common::json public_jwk;     // with kid, use, alg
  std::string encoded_header;  // base64url of the JWS header, built once
  std::int64_t created = 0;
  std::int64_t retired = 0;  // 0 while it signs
};

struct KeyRing::Snapshot {
  std::vector<std::shared_ptr<const Key>> keys;  // keys.back() is the active one
  std::shared_ptr<const std::string> jwks_bytes;
  common::json jwks;
};

namespace {

common::Result<std::shared_ptr<const KeyRing::Key>> new_key(std::int64_t now) {
  auto pkey = common::crypto::generate_p256();
  if (!pkey) return std::unexpected(common::wrap(pkey.error(), "unable to generate signing key"));
  auto jwk = common::crypto::p256_public_jwk(pkey->get());
  if (!jwk) return std::unexpected(common::wrap(jwk.error(), "unable to describe signing key"));
  auto key = std::make_shared<KeyRing::Key>();
  key->kid = common::crypto::base64url(common::crypto::jwk_thumbprint(*jwk));
  (*jwk)["kid"] = key->kid;
  (*jwk)["use"] = "sig";
  (*jwk)["alg"] = "ES256";
  key->public_jwk = std::move(*jwk);
  common::json header = {{"alg", "ES256"}, {"typ", "JWT"}, {"kid", key->kid}};
  key->encoded_header = common::crypto::base64url(common::dump_json(header));
  key->pkey = std::move(*pkey);
  key->created = now;
  return std::shared_ptr<const KeyRing::Key>(std::move(key));
}

}  // namespace

common::Result<std::unique_ptr<KeyRing>> KeyRing::create(KeyRingOptions options, std::int64_t now) {
  auto key = new_key(now);
  if (!key) return std::unexpected(key.error());
  std::unique_ptr<KeyRing> ring(new KeyRing(options));
  if (auto published = ring->publish({*key}); !published) {
    return std::unexpected(published.error());
  }
  return ring;
}

common::Status KeyRing::publish(std::vector<std::shared_ptr<const Key>> keys) {
  auto next = std::make_shared<Snapshot>();
  common::json list = common::json::array();
  // Newest first: libraries that try keys in order find the active one first.
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) list.push_back((*it)->public_jwk);
  next->jwks = {{"keys", std::move(list)}};
  next->jwks_bytes = std::make_shared<const std::string>(common::dump_json(next->jwks));
  next->keys = std::move(keys);
  std::lock_guard lock(mutex_);
  snapshot_ = std::move(next);
  return {};
}

std::shared_ptr<const KeyRing::Snapshot> KeyRing::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

common::Result<std::string> KeyRing::sign_jwt(const common::json& claims) const {
  auto current = snapshot();
  const auto& key = *current->keys.back();
  std::string signing_input = key.encoded_header;
  signing_input += '.';
  signing_input += common::crypto::base64url(common::dump_json(claims));
  auto signature = common::crypto::es256_sign(key.pkey.get(), signing_input);
  if (!signature) return std::unexpected(common::wrap(signature.error(), "unable to sign JWT"));
  signing_input += '.';
  signing_input += common::crypto::base64url(*signature);
  return signing_input;
}

common::Result<bool> KeyRing::maintain(std::int64_t now) {
  auto current = snapshot();
  std::vector<std::shared_ptr<const Key>> keys;
  bool changed = false;
  const std::int64_t keep_for = options_.token_lifetime_seconds + options_.clock_skew_seconds;
  for (std::size_t i = 0; i + 1 < current->keys.size(); ++i) {
    const auto& old = current->keys[i];
    if (now - old->retired >= keep_for) {
      changed = true;
    } else {
      keys.push_back(old);
    }
  }
  const auto& active = current->keys.back();
  if (now - active->created >= options_.rotation_seconds) {
    auto fresh = new_key(now);
    if (!fresh) return std::unexpected(fresh.error());
    // Keys are immutable once published; the retired copy shares the EVP key.
    auto retired = std::make_shared<Key>();
    retired->pkey.reset(active->pkey.get());
    EVP_PKEY_up_ref(active->pkey.get());
    retired->kid = active->kid;
    retired->public_jwk = active->public_jwk;
    retired->encoded_header = active->encoded_header;
    retired->created = active->created;
    retired->retired = now;
    keys.push_back(std::move(retired));
    keys.push_back(std::move(*fresh));
    changed = true;
  } else {
    keys.push_back(active);
  }
  if (!changed) return false;
  if (auto published = publish(std::move(keys)); !published) {
    return std::unexpected(published.error());
  }
  return true;
}

std::shared_ptr<const std::string> KeyRing::jwks_bytes() const { return snapshot()->jwks_bytes; }
common::json KeyRing::jwks() const { return snapshot()->jwks; }
std::string KeyRing::active_kid() const { return snapshot()->keys.back()->kid; }
std::size_t KeyRing::key_count() const { return snapshot()->keys.size(); }

}  // namespace authd
