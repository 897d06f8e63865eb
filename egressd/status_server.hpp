#pragma once
// egressd's IPC socket (common/ipc_contracts.hpp, namespace egressd):
// "egress.status" for attestd, which shows it in /v1/status.

#include <memory>

#include <boost/asio/io_context.hpp>

#include "common/error.hpp"
#include "common/ipc_server.hpp"
#include "egressd/enforcer.hpp"

namespace egressd {

common::Result<std::unique_ptr<common::ipc::Server>> serve_status(boost::asio::io_context& io,
                                                                  const Enforcer& enforcer);

}  // namespace egressd
