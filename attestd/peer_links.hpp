#pragma once
// attestd's IPC: the server that hands the measured configuration to authd
// and acmed (config.get, config.updated), and the subscriptions that follow
// acmed's certificate and authd's JWKS for the bindings. All on one Asio
// io_context thread.

#include <memory>

#include <boost/asio/io_context.hpp>

#include "common/tls_identity.hpp"
#include "common/ipc_client.hpp"
#include "common/ipc_server.hpp"
#include "attestd/binding_state.hpp"
#include "attestd/runtime_config.hpp"

namespace attestd {

class PeerLinks {
 public:
  PeerLinks(boost::asio::io_context& io, std::shared_ptr<common::CertificateStore> certificates,
            BindingState& bindings, RuntimeConfig& runtime);
  ~PeerLinks();
  common::Status start();
  // Thread-safe: posts config.updated to the subscribers.
  void publish_config(const common::json& config);
  void stop();

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<common::CertificateStore> certificates_;
  BindingState& bindings_;
  RuntimeConfig& runtime_;
  std::unique_ptr<common::ipc::Server> server_;
  std::unique_ptr<common::ipc::Subscriber> certificate_;
  std::unique_ptr<common::ipc::Subscriber> jwks_;
};

}  // namespace attestd
