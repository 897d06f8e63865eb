#include "init/net_config.hpp"

#include <arpa/inet.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>

#include "common/log.hpp"
#include "common/unique_handle.hpp"

namespace init::net {
namespace {

using common::Error;

using common::UniqueHandle;
using Socket = UniqueHandle<nl_sock, nl_socket_free>;
using Link = UniqueHandle<rtnl_link, rtnl_link_put>;
using Addr = UniqueHandle<rtnl_addr, rtnl_addr_put>;
using Route = UniqueHandle<rtnl_route, rtnl_route_put>;
using NlAddr = UniqueHandle<nl_addr, nl_addr_put>;
using Cache = UniqueHandle<nl_cache, nl_cache_free>;

common::Status nl_failed(const std::string& what, int error) {
  return common::fail(Error::Kind::environment, "unable to " + what + ": " + nl_geterror(error));
}

common::Result<Socket> connect() {
  Socket socket(nl_socket_alloc());
  if (!socket) return common::fail(Error::Kind::environment, "unable to allocate netlink socket");
  if (int e = nl_connect(socket.get(), NETLINK_ROUTE); e < 0) {
    return std::unexpected(nl_failed("connect to rtnetlink", e).error());
  }
  return socket;
}

NlAddr ipv4(dhcp::Ipv4 address, int prefix_length) {
  const std::uint32_t network_order = htonl(address);
  NlAddr a(nl_addr_build(AF_INET, &network_order, sizeof network_order));
  if (a) nl_addr_set_prefixlen(a.get(), prefix_length);
  return a;
}

bool on_link(dhcp::Ipv4 gateway, const dhcp::Lease& lease) {
  if (lease.prefix_length == 0) return true;
  const dhcp::Ipv4 mask = ~dhcp::Ipv4{0} << (32 - lease.prefix_length);
  return (gateway & mask) == (lease.address & mask);
}

common::Status add_route(nl_sock* socket, int ifindex, const dhcp::Route& r, dhcp::Ipv4 source) {
  Route route(rtnl_route_alloc());
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(route.get(), RTPROT_DHCP);
  rtnl_route_set_scope(route.get(), r.gateway == 0 ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
  NlAddr destination = ipv4(r.destination, r.prefix_length);
  rtnl_route_set_dst(route.get(), destination.get());
  NlAddr preferred = ipv4(source, 32);
  rtnl_route_set_pref_src(route.get(), preferred.get());
  rtnl_nexthop* hop = rtnl_route_nh_alloc();  // owned by the route once added
  rtnl_route_nh_set_ifindex(hop, ifindex);
  NlAddr gateway = ipv4(r.gateway, 32);
  if (r.gateway != 0) rtnl_route_nh_set_gateway(hop, gateway.get());
  rtnl_route_add_nexthop(route.get(), hop);
  if (int e = rtnl_route_add(socket, route.get(), NLM_F_CREATE | NLM_F_REPLACE); e < 0) {
    return nl_failed("add route " + dhcp::format_ipv4(r.destination) + "/" +
                         std::to_string(r.prefix_length) + " via " + dhcp::format_ipv4(r.gateway),
                     e);
  }
  return {};
}

common::Status set_mtu(nl_sock* socket, int ifindex, int mtu) {
  rtnl_link* raw = nullptr;
  if (int e = rtnl_link_get_kernel(socket, ifindex, nullptr, &raw); e < 0) {
    return nl_failed("read link", e);
  }
  Link link(raw);
  if (static_cast<int>(rtnl_link_get_mtu(link.get())) == mtu) return {};
  Link change(rtnl_link_alloc());
  rtnl_link_set_mtu(change.get(), static_cast<unsigned>(mtu));
  if (int e = rtnl_link_change(socket, link.get(), change.get(), 0); e < 0) {
    return nl_failed("set MTU " + std::to_string(mtu), e);
  }
  return {};
}

common::Status address(nl_sock* socket, int ifindex, const dhcp::Lease& lease, bool add) {
  Addr a(rtnl_addr_alloc());
  rtnl_addr_set_ifindex(a.get(), ifindex);
  rtnl_addr_set_family(a.get(), AF_INET);
  NlAddr local = ipv4(lease.address, lease.prefix_length);
  rtnl_addr_set_local(a.get(), local.get());
  if (lease.prefix_length < 31) {
    const dhcp::Ipv4 host_bits = ~dhcp::Ipv4{0} >> lease.prefix_length;
    NlAddr broadcast = ipv4(lease.address | host_bits, 32);
    rtnl_addr_set_broadcast(a.get(), broadcast.get());
  }
  const int e = add ? rtnl_addr_add(socket, a.get(), NLM_F_CREATE | NLM_F_REPLACE)
                    : rtnl_addr_delete(socket, a.get(), 0);
  // Removing asks that the address be gone: already gone is success.
  if (e < 0 && (add || e != -NLE_NOADDR)) {
    return nl_failed(std::string(add ? "add" : "remove") + " address " +
                         dhcp::format_ipv4(lease.address) + "/" +
                         std::to_string(lease.prefix_length),
                     e);
  }
  return {};
}

common::Status write_resolv_conf(const std::string& path, const dhcp::Lease& lease) {
  std::string text = "# written by init from the DHCP lease\n";
  if (!lease.domain.empty()) text += "search " + lease.domain + "\n";
  for (auto server : lease.dns) text += "nameserver " + dhcp::format_ipv4(server) + "\n";
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    if (!out.flush()) {
      return common::fail(Error::Kind::environment, "unable to write " + temporary);
    }
  }
  if (rename(temporary.c_str(), path.c_str()) < 0) {
    return common::fail(Error::Kind::environment,
                        "unable to rename " + temporary + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace

common::Result<Interface> find_interface(const std::string& name) {
  auto socket = connect();
  if (!socket) return std::unexpected(socket.error());
  rtnl_link* raw = nullptr;
  if (int e = rtnl_link_get_kernel(socket->get(), 0, name.c_str(), &raw); e < 0) {
    return std::unexpected(nl_failed("find interface " + name, e).error());
  }
  Link link(raw);
  Interface interface {
    name, rtnl_link_get_ifindex(link.get()), {}
  };
  if (nl_addr* mac = rtnl_link_get_addr(link.get()); mac && nl_addr_get_len(mac) == 6) {
    std::memcpy(interface.mac.data(), nl_addr_get_binary_addr(mac), 6);
  }
  return interface;
}

common::Result<Interface> first_ethernet() {
  auto socket = connect();
  if (!socket) return std::unexpected(socket.error());
  nl_cache* raw = nullptr;
  if (int e = rtnl_link_alloc_cache(socket->get(), AF_UNSPEC, &raw); e < 0) {
    return std::unexpected(nl_failed("list interfaces", e).error());
  }
  Cache cache(raw);
  std::optional<std::pair<int, std::string>> best;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* link = reinterpret_cast<rtnl_link*>(o);
    if (rtnl_link_get_arptype(link) != ARPHRD_ETHER) continue;
    const int index = rtnl_link_get_ifindex(link);
    if (!best || index < best->first) best.emplace(index, rtnl_link_get_name(link));
  }
  if (!best) return common::fail(Error::Kind::not_found, "unable to find an Ethernet interface");
  return find_interface(best->second);
}

common::Status link_up(const std::string& name) {
  auto socket = connect();
  if (!socket) return std::unexpected(socket.error());
  rtnl_link* raw = nullptr;
  if (int e = rtnl_link_get_kernel(socket->get(), 0, name.c_str(), &raw); e < 0) {
    return nl_failed("find interface " + name, e);
  }
  Link link(raw);
  Link change(rtnl_link_alloc());
  rtnl_link_set_flags(change.get(), IFF_UP);
  if (int e = rtnl_link_change(socket->get(), link.get(), change.get(), 0); e < 0) {
    return nl_failed("bring up " + name, e);
  }
  return {};
}

common::Status apply_lease(const Interface& interface, const dhcp::Lease& lease,
                           const std::optional<dhcp::Lease>& previous,
                           const ApplyOptions& options) {
  auto socket = connect();
  if (!socket) return std::unexpected(socket.error());
  nl_sock* s = socket->get();
  if (lease.mtu) {
    if (auto st = set_mtu(s, interface.index, *lease.mtu); !st) return st;
  }
  if (previous &&
      (previous->address != lease.address || previous->prefix_length != lease.prefix_length)) {
    if (auto st = address(s, interface.index, *previous, /*add=*/false); !st) {
      common::log::warning(common::log::Event{"network.address_not_removed"},
                           "unable to remove the old address", {{"reason", st.error().message}});
    }
  }
  if (auto st = address(s, interface.index, lease, /*add=*/true); !st) return st;
  // A gateway outside the address's own subnet (GCP: a /32) is reachable only
  // once a host route says it is on this link; add those first.
  std::set<dhcp::Ipv4> host_routes;
  for (const auto& r : lease.routes) {
    if (r.gateway == 0 || on_link(r.gateway, lease) || host_routes.contains(r.gateway)) continue;
    const bool listed = std::find(lease.routes.begin(), lease.routes.end(),
                                  dhcp::Route{r.gateway, 32, 0}) != lease.routes.end();
    if (!listed) {
      if (auto st = add_route(s, interface.index, {r.gateway, 32, 0}, lease.address); !st) {
        return st;
      }
    }
    host_routes.insert(r.gateway);
  }
  // On-link routes before those through gateways, for the same reason.
  for (const bool through_gateway : {false, true}) {
    for (const auto& r : lease.routes) {
      if ((r.gateway != 0) != through_gateway) continue;
      if (auto st = add_route(s, interface.index, r, lease.address); !st) return st;
    }
  }
  if (!options.resolv_conf.empty() && !lease.dns.empty()) {
    if (auto st = write_resolv_conf(options.resolv_conf, lease); !st) return st;
  }
  if (options.set_hostname && !lease.hostname.empty()) {
    std::string name = lease.hostname;
    if (name.size() > 64) name.resize(name.find('.') < 64 ? name.find('.') : 64);
    if (sethostname(name.c_str(), name.size()) < 0) {
      return common::fail(Error::Kind::environment,
                          "unable to set hostname: " + std::string(std::strerror(errno)));
    }
  }
  return {};
}

common::Status remove_lease(const Interface& interface, const dhcp::Lease& lease) {
  auto socket = connect();
  if (!socket) return std::unexpected(socket.error());
  return address(socket->get(), interface.index, lease, /*add=*/false);
}

}  // namespace init::net
