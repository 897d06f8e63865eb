#pragma once
// The live values bound into every quote: the TLS key attestd serves with
// right now (bootstrap self-signed, then acmed's) and authd's JWKS digest.

#include <memory>
#include <mutex>
#include <string>

#include "common/tls_identity.hpp"
#include "common/ipc_contracts.hpp"
#include "common/json.hpp"

namespace attestd {

class BindingState {
 public:
  explicit BindingState(std::shared_ptr<common::CertificateStore> certificates)
      : certificates_(std::move(certificates)) {}
  // authd's key set (already checked: its digest is of the served bytes).
  void update_jwks(const common::contract::Jwks& jwks);
  // {"jwks_sha256": hex|null, "tls_spki_sha256": hex|null}
  common::json current() const;

 private:
  std::shared_ptr<common::CertificateStore> certificates_;
  mutable std::mutex mutex_;
  std::string jwks_sha256_;
};

}  // namespace attestd
