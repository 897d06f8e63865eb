#pragma once
// The supervisor's control socket (common/ipc_contracts.hpp, namespace init):
// "status" for attestd and root, "restart" for root only, "poweroff" for
// egressd and root.

#include <boost/asio/io_context.hpp>
#include <memory>

#include "common/error.hpp"
#include "common/ipc_server.hpp"
#include "init/supervisor.hpp"

namespace init {

common::Result<std::unique_ptr<common::ipc::Server>> open_control_socket(
    boost::asio::io_context& io, Supervisor& supervisor);

}  // namespace init
