#include "authd/jwks_payload.hpp"

#include "common/crypto.hpp"

namespace authd {

common::contract::Jwks jwks_payload(const KeyRing& keys) {
  auto bytes = keys.jwks_bytes();
  return {keys.jwks(), common::crypto::hex(common::crypto::sha256(*bytes))};
}

}  // namespace authd
