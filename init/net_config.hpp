#pragma once
// Interface configuration over rtnetlink (libnl-route-3): bringing links up,
// MTU, addresses and routes; and applying a DHCP lease, including GCP's
// shape: a /32 address whose gateway is reachable only through a host route
// on the interface, added before the default route that uses it.

#include <optional>
#include <string>

#include "common/error.hpp"
#include "init/dhcp_message.hpp"

namespace init::net {

struct Interface {
  std::string name;
  int index = 0;
  std::array<std::uint8_t, 6> mac{};
};

common::Result<Interface> find_interface(const std::string& name);
// The Ethernet interface with the lowest index (loopback excluded).
common::Result<Interface> first_ethernet();

common::Status link_up(const std::string& name);

struct ApplyOptions {
  std::string resolv_conf;  // empty: leave it alone
  bool set_hostname = true;
};

// Configures the address, MTU, routes, resolv.conf and hostname of a lease.
// `previous` (on renewal) lets a changed address replace the old one.
common::Status apply_lease(const Interface& interface, const dhcp::Lease& lease,
                           const std::optional<dhcp::Lease>& previous, const ApplyOptions& options);
// Removes the lease's address (its routes go with it); an address that is
// not there is not an error.
common::Status remove_lease(const Interface& interface, const dhcp::Lease& lease);

}  // namespace init::net
