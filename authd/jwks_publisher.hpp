#pragma once
// Serves the signing keys to attestd over IPC (contract::authd): jwks.get
// and the jwks.updated event after a rotation, so that attestd can bind the
// exact JWKS bytes that /jwks.json serves into its TPM quotes.

#include <memory>

#include <boost/asio/io_context.hpp>

#include "common/error.hpp"
#include "common/ipc_server.hpp"
#include "authd/key_ring.hpp"

namespace authd {

// {"jwks": {...}, "sha256": hex of the served /jwks.json bytes}
common::json jwks_message(const KeyRing& keys);

class JwksPublisher {
 public:
  static common::Result<std::unique_ptr<JwksPublisher>> start(boost::asio::io_context& io,
                                                              std::shared_ptr<KeyRing> keys);
  void announce_rotation();
  void close();

 private:
  JwksPublisher(std::shared_ptr<KeyRing> keys, std::unique_ptr<common::ipc::Server> server)
      : keys_(std::move(keys)), server_(std::move(server)) {}
  std::shared_ptr<KeyRing> keys_;
  std::unique_ptr<common::ipc::Server> server_;
};

}  // namespace authd
