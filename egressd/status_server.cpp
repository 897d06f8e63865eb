#include "egressd/status_server.hpp"

#include "common/ipc_contracts.hpp"

namespace egressd {

namespace contract = common::contract;

common::Result<std::unique_ptr<common::ipc::Server>> serve_status(boost::asio::io_context& io,
                                                                  const Enforcer& enforcer) {
  common::ipc::ServerOptions options;
  options.allowed_uids = contract::allowed_uids(contract::egressd::callers);
  auto server =
      common::ipc::Server::listen(io, contract::socket_path(contract::egressd::socket), options);
  if (!server) return std::unexpected(server.error());
  (*server)->on(
      std::string(contract::egressd::status),
      [&enforcer](const common::json&, const common::ipc::Peer&) -> common::Result<common::json> {
        return enforcer.status().to_json();
      });
  return server;
}

}  // namespace egressd
