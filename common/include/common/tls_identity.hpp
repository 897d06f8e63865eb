#pragma once
// The TLS identity of a public port: the certificate chain and key that
// acmed hands over (and renews) and the server-side TLS settings, shared by
// every HTTPS server. Each handshake installs the identity current at that
// moment, so a swap needs no restart and never disturbs open connections.

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace common {

// The current certificate chain and key; shared by the server and whatever
// feeds it (an ipc::Subscriber on acmed's socket).
class CertificateStore {
 public:
  // What is being served, for deciding whether a new identity replaces it.
  struct Summary {
    bool self_signed = false;  // a bootstrap identity, not a CA's
    std::chrono::sys_seconds not_after{};
    std::vector<std::string> dns_names;
    std::string spki_sha256_hex;
  };

  // Installs a chain (leaf first) and its key; refuses a pair that does not
  // match, keeping the identity in force.
  Status update(std::string_view chain_pem, std::string_view key_pem, bool self_signed = false);
  bool has_identity() const;
  std::string spki_sha256_hex() const;  // of the current leaf; "" when none
  std::optional<Summary> summary() const;

  struct Identity;
  std::shared_ptr<const Identity> current() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Identity> current_;
};

// TLS 1.2+ with forward-secret AEAD suites, no compression or
// renegotiation, and a certificate callback that installs `store`'s current
// identity on each handshake (none yet: the handshake fails cleanly).
bool configure_server_tls(SSL_CTX& ctx, const CertificateStore* store);

}  // namespace common
