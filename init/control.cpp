#include "init/control.hpp"

#include <unistd.h>

#include "common/ipc_contracts.hpp"
#include "common/log.hpp"

namespace init {

namespace contract = common::contract;

common::Result<std::unique_ptr<common::ipc::Server>> open_control_socket(
    boost::asio::io_context& io, Supervisor& supervisor) {
  // Root and init's own uid always; the contract's callers when they exist
  // (on a development machine they usually do not).
  std::vector<uid_t> operators = {0};
  if (getuid() != 0) operators.push_back(getuid());
  std::vector<uid_t> readers = contract::allowed_uids(contract::init::callers);
  readers.push_back(0);
  common::ipc::ServerOptions options;
  options.allowed_uids = readers;
  auto server =
      common::ipc::Server::listen(io, contract::socket_path(contract::init::socket), options);
  if (!server) return std::unexpected(server.error());
  (*server)->on(
      std::string(contract::init::status),
      [&supervisor](const common::json&, const common::ipc::Peer&) -> common::Result<common::json> {
        return supervisor.status();
      },
      readers);
  (*server)->on(
      std::string(contract::init::restart),
      [&supervisor](const common::json& params,
                    const common::ipc::Peer& peer) -> common::Result<common::json> {
        auto name = common::string_field(params, "service");
        if (!name) return std::unexpected(name.error());
        common::log::notice("control: restart", {{"service", *name}, {"peer_uid", peer.uid}});
        if (auto status = supervisor.restart(*name); !status)
          return std::unexpected(status.error());
        return common::json::object();
      },
      operators);
  return server;
}

}  // namespace init
