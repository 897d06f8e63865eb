#include "init/control.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>

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
  std::vector<uid_t> connectors = contract::allowed_uids(contract::init::callers);
  connectors.push_back(0);
  std::vector<uid_t> readers = contract::allowed_uids(contract::init::status_callers);
  readers.push_back(0);
  std::vector<uid_t> stoppers = contract::allowed_uids(contract::init::poweroff_callers);
  stoppers.push_back(0);
  common::ipc::ServerOptions options;
  options.allowed_uids = connectors;
  auto server =
      common::ipc::Server::listen(io, contract::socket_path(contract::init::socket), options);
  if (!server) return std::unexpected(server.error());
  (*server)->on(
      std::string(contract::init::status),
      [&supervisor](const common::json&, const common::ipc::Peer&) -> common::Result<common::json> {
        return supervisor.status().to_json();
      },
      readers);
  (*server)->on(
      std::string(contract::init::restart),
      [&supervisor](const common::json& params,
                    const common::ipc::Peer& peer) -> common::Result<common::json> {
        auto request = contract::RestartRequest::from_json(params);
        if (!request) return std::unexpected(request.error());
        common::log::notice(common::log::Event{"control.restart"},
                            "restart requested over the control socket",
                            {{"service", request->service}, {"peer_uid", peer.uid}});
        if (auto status = supervisor.restart(request->service); !status)
          return std::unexpected(status.error());
        return common::json::object();
      },
      operators);
  // The same orderly stop as SIGTERM or the power button; posted so that the
  // caller gets its answer before its own SIGTERM.
  (*server)->on(
      std::string(contract::init::poweroff),
      [&io, &supervisor](const common::json&,
                         const common::ipc::Peer& peer) -> common::Result<common::json> {
        common::log::notice(common::log::Event{"control.poweroff"}, "power-off requested",
                            {{"peer_uid", peer.uid}});
        boost::asio::post(io, [&io, &supervisor] { supervisor.shutdown([&io] { io.stop(); }); });
        return common::json::object();
      },
      stoppers);
  return server;
}

}  // namespace init
