#include "attestd/binding_state.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "attestd/verify/bindings.hpp"

namespace attestd {

void BindingState::update_jwks(const common::contract::Jwks& jwks) {
  std::lock_guard guard(mutex_);
  if (jwks_sha256_ != jwks.sha256) {
    common::log::info(common::log::Event{"binding.jwks_updated"}, "JWKS binding updated",
                      {{"jwks_sha256", jwks.sha256}});
  }
  jwks_sha256_ = jwks.sha256;
}

common::json BindingState::current() const {
  common::json out = common::json::object();
  std::string tls = certificates_->spki_sha256_hex();
  out[std::string(attest::kBindingTlsSpki)] =
      tls.empty() ? common::json(nullptr) : common::json(tls);
  std::lock_guard guard(mutex_);
  out[std::string(attest::kBindingJwks)] =
      jwks_sha256_.empty() ? common::json(nullptr) : common::json(jwks_sha256_);
  return out;
}

}  // namespace attestd
