// DHCP messages and options (init/dhcp_message): what any host on the link
// may send to init's DHCP client. A decoded message must re-encode into one
// that decodes again, and an ACK's lease is derived as the client would.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "init/dhcp_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace init::dhcp;
  auto message = decode(data, size);
  if (!message) return 0;
  (void)message->type();
  for (std::uint8_t code : {option::subnet_mask, option::router, option::server_id}) {
    (void)message->address_option(code);
  }
  for (std::uint8_t code : {option::lease_time, option::renewal_time, option::rebinding_time}) {
    (void)message->u32_option(code);
  }
  if (auto lease = lease_from_ack(*message)) {
    for (const auto& route : lease->routes) (void)format_ipv4(route.gateway);
  }
  if (auto routes = message->options.find(option::classless_routes);
      routes != message->options.end()) {
    (void)decode_classless_routes(routes->second);
  }
  const auto bytes = encode(*message);
  if (!decode(bytes.data(), bytes.size())) std::abort();  // our own encoding must decode
  return 0;
}
