#pragma once
// cpp-httplib's SSLServer with what the appliance needs on top:
// - the certificate and key can be swapped at any time (acmed's renewals):
//   new handshakes pick up the current pair, open connections finish on theirs;
// - the listening socket can come from init (LISTEN_FDS) instead of bind();
// - TLS 1.2+ only, TCP_NODELAY, bounded request sizes and timeouts, and a
//   thread pool sized for keep-alive clients.

#include <memory>
#include <mutex>
#include <string>

#include <httplib.h>

#include "common/error.hpp"
#include "common/listen_fds.hpp"

namespace common {

// The current certificate chain and key; shared by the server and whatever
// feeds it (an ipc::Subscriber on acmed's socket).
class CertificateStore {
 public:
  Status update(std::string_view chain_pem, std::string_view key_pem);
  bool has_identity() const;
  std::string spki_sha256_hex() const;  // of the current leaf; "" when none

  struct Identity;
  std::shared_ptr<const Identity> current() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Identity> current_;
};

struct HttpsServerOptions {
  std::size_t max_request_bytes = 64U << 10;
  int read_timeout_seconds = 10;
  int write_timeout_seconds = 10;
  int keep_alive_timeout_seconds = 5;
  std::size_t keep_alive_max_requests = 1000;
  std::size_t worker_threads = 64;
};

class HttpsServer : public FdServer<httplib::SSLServer> {
 public:
  HttpsServer(std::shared_ptr<CertificateStore> certificates, HttpsServerOptions options = {});
  // listen_on_fd(fd) (from FdServer) serves an inherited socket until stop().
  // Binds host:port (port 0: any) and returns the port; then call listen_after_bind().
  Result<int> bind(const std::string& host, int port);

 private:
  std::shared_ptr<CertificateStore> certificates_;
};

}  // namespace common
