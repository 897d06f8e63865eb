#include "attestd/binding_state.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "attestd/verify/bindings.hpp"

namespace attestd {

void BindingState::update_jwks(const common::json& data) {
  std::string digest = data.is_object() ? data.value("sha256", std::string()) : std::string();
  bool hex = digest.size() == 64 && std::all_of(digest.begin(), digest.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
             });
  if (!hex) {
    common::log::warning("ignoring authd JWKS update without a hex sha256");
    return;
  }
  std::lock_guard guard(mutex_);
  if (jwks_sha256_ != digest) common::log::info("JWKS binding updated", {{"jwks_sha256", digest}});
  jwks_sha256_ = digest;
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
