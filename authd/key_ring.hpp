#pragma once
// The id_token signing keys: ES256 (P-256) keys born in RAM, never written
// anywhere. One key signs. The next one is published in the JWKS one cache
// period (kJwksMaxAgeSeconds) before it starts signing, so a relying party's
// cached JWKS always holds the key of a fresh id_token; on rotation the old
// key retires but stays in the JWKS until the last id_token it signed has
// expired, so relying parties can still verify it. kid = RFC 7638 thumbprint (base64url), so the
// kid is derived from the key itself and attestd can bind both.
//
// Readers (every /jwks.json and /token request, on many threads) take an
// immutable snapshot; maintain() swaps in a new one.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/crypto.hpp"
#include "common/error.hpp"
#include "common/json.hpp"

namespace authd {

// /jwks.json's Cache-Control max-age: a relying party may hold a copy this
// long, so a key is published at least this long before it signs.
inline constexpr std::int64_t kJwksMaxAgeSeconds = 300;

struct KeyRingOptions {
  std::int64_t rotation_seconds = 24 * 3600;
  std::int64_t token_lifetime_seconds = 3600;  // id_tokens this key signs live this long
  std::int64_t clock_skew_seconds = 300;       // relying parties' leeway on exp
  std::int64_t publish_ahead_seconds = kJwksMaxAgeSeconds;  // next key in the JWKS first
};

class KeyRing {
 public:
  static common::Result<std::unique_ptr<KeyRing>> create(KeyRingOptions options, std::int64_t now);

  // header.payload.signature with {"alg":"ES256","typ":"JWT","kid":...}.
  common::Result<std::string> sign_jwt(const common::json& claims) const;

  // Publishes the next key when its turn is a cache period away, lets it sign
  // once it is due and has been published that long, and drops retired keys
  // whose tokens are all expired. Returns true when the published JWKS changed.
  common::Result<bool> maintain(std::int64_t now);

  // The exact bytes served at /jwks.json and bound by attestd.
  std::shared_ptr<const std::string> jwks_bytes() const;
  common::json jwks() const;
  std::string active_kid() const;
  std::size_t key_count() const;

  struct Key;
  struct Snapshot;

 private:
  explicit KeyRing(KeyRingOptions options) : options_(options) {}
  std::shared_ptr<const Snapshot> snapshot() const;
  common::Status publish(std::shared_ptr<Snapshot> next);

  KeyRingOptions options_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_;
};

}  // namespace authd
