#pragma once
// attestd's IPC with the other daemons, each through its contract
// (common/ipc_contracts.hpp): the measured configuration it publishes to
// authd and acmed, acmed's certificate it serves with (and binds), and
// authd's JWKS digest it binds. All on one Asio io_context thread.

#include <memory>
#include <mutex>

#include <boost/asio/io_context.hpp>

#include "attestd/binding_state.hpp"
#include "common/ipc_client.hpp"
#include "common/ipc_contracts.hpp"
#include "common/ipc_publisher.hpp"
#include "common/tls_identity.hpp"

namespace attestd {

class PeerLinks {
 public:
  PeerLinks(boost::asio::io_context& io, std::shared_ptr<common::CertificateStore> certificates,
            BindingState& bindings);
  ~PeerLinks();
  common::Status start();
  // Thread-safe: serves `config` from now on and pushes it to subscribers.
  // The first one also tells init that attestd is ready: acmed and authd,
  // which init starts then, need the measured configuration, not merely a
  // listening socket.
  void publish_config(const common::contract::MeasuredConfig& config);
  void stop();

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<common::CertificateStore> certificates_;
  BindingState& bindings_;
  std::unique_ptr<common::ipc::Publisher<common::contract::MeasuredConfig>> config_;
  std::unique_ptr<common::ipc::Subscriber> certificate_;
  std::unique_ptr<common::ipc::Subscriber> jwks_;
  std::once_flag ready_;
};

}  // namespace attestd
