#include "authd/key_ring.hpp"

namespace authd {

struct KeyRing::Key {
  common::crypto::Key pkey;
  std::string kid;
  common::json public_jwk;     // with kid, use, alg
  std::string encoded_header;  // base64url of the JWS header, built once
  std::int64_t published = 0;  // in the JWKS since
  std::int64_t activated = 0;  // signing since (0: not yet)
  std::int64_t retired = 0;    // 0 while it signs
};

struct KeyRing::Snapshot {
  std::shared_ptr<const Key> active;
  std::shared_ptr<const Key> next;                  // published, not signing yet
  std::vector<std::shared_ptr<const Key>> retired;  // oldest first
  std::shared_ptr<const std::string> jwks_bytes;
  common::json jwks;
};

namespace {

using KeyPtr = std::shared_ptr<const KeyRing::Key>;

common::Result<KeyPtr> new_key(std::int64_t now) {
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
  key->published = now;
  return KeyPtr(std::move(key));
}

// Keys are immutable once published: a change of role is a copy that
// shares the EVP key.
KeyPtr with_role(const KeyRing::Key& key, std::int64_t activated, std::int64_t retired) {
  auto copy = std::make_shared<KeyRing::Key>();
  copy->pkey.reset(key.pkey.get());
  EVP_PKEY_up_ref(key.pkey.get());
  copy->kid = key.kid;
  copy->public_jwk = key.public_jwk;
  copy->encoded_header = key.encoded_header;
  copy->published = key.published;
  copy->activated = activated;
  copy->retired = retired;
  return copy;
}

}  // namespace

common::Result<std::unique_ptr<KeyRing>> KeyRing::create(KeyRingOptions options, std::int64_t now) {
  auto key = new_key(now);
  if (!key) return std::unexpected(key.error());
  std::unique_ptr<KeyRing> ring(new KeyRing(options));
  auto first = std::make_shared<Snapshot>();
  first->active = with_role(**key, now, 0);
  if (auto published = ring->publish(std::move(first)); !published) {
    return std::unexpected(published.error());
  }
  return ring;
}

common::Status KeyRing::publish(std::shared_ptr<Snapshot> next) {
  common::json list = common::json::array();
  // The signing key first (libraries that try keys in order find it at
  // once), then the next one, then retired keys, newest first.
  list.push_back(next->active->public_jwk);
  if (next->next) list.push_back(next->next->public_jwk);
  for (auto it = next->retired.rbegin(); it != next->retired.rend(); ++it) {
    list.push_back((*it)->public_jwk);
  }
  next->jwks = {{"keys", std::move(list)}};
  next->jwks_bytes = std::make_shared<const std::string>(common::dump_json(next->jwks));
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
  const auto& key = *current->active;
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
  auto next = std::make_shared<Snapshot>(*current);
  bool changed = false;
  const std::int64_t keep_for = options_.token_lifetime_seconds + options_.clock_skew_seconds;
  std::erase_if(next->retired, [&](const KeyPtr& old) {
    const bool expired = now - old->retired >= keep_for;
    changed = changed || expired;
    return expired;
  });
  const std::int64_t due = next->active->activated + options_.rotation_seconds;
  if (!next->next && now >= due - options_.publish_ahead_seconds) {
    auto fresh = new_key(now);
    if (!fresh) return std::unexpected(fresh.error());
    next->next = std::move(*fresh);
    changed = true;
  }
  if (next->next && now >= due && now - next->next->published >= options_.publish_ahead_seconds) {
    next->retired.push_back(with_role(*next->active, next->active->activated, now));
    next->active = with_role(*next->next, now, 0);
    next->next.reset();
    changed = true;
  }
  if (!changed) return false;
  if (auto published = publish(std::move(next)); !published) {
    return std::unexpected(published.error());
  }
  return true;
}

std::shared_ptr<const std::string> KeyRing::jwks_bytes() const { return snapshot()->jwks_bytes; }
common::json KeyRing::jwks() const { return snapshot()->jwks; }
std::string KeyRing::active_kid() const { return snapshot()->active->kid; }
std::size_t KeyRing::key_count() const {
  auto current = snapshot();
  return 1 + (current->next ? 1 : 0) + current->retired.size();
}

}  // namespace authd
