#include "egressd/power_off.hpp"

#include <chrono>

#include "common/ipc_client.hpp"
#include "common/ipc_contracts.hpp"

namespace egressd {

namespace contract = common::contract;

common::Status request_power_off() {
  auto client = common::ipc::Client::connect(contract::socket_path(contract::init::socket),
                                             std::chrono::seconds(5));
  if (!client) return std::unexpected(common::wrap(client.error(), "unable to reach init"));
  auto answer = client->call(contract::init::poweroff);
  if (!answer) return std::unexpected(common::wrap(answer.error(), "init refused"));
  return {};
}

}  // namespace egressd
