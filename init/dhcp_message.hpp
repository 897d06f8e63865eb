#pragma once
// DHCPv4 messages (RFC 2131/2132) and the lease they describe: encoding what
// the client sends, decoding what a server sends (untrusted input: every
// length is checked, a bad message is an error value), and the options this
// appliance uses: 1 netmask, 3 routers, 6 DNS, 12 hostname, 15 domain,
// 26 MTU, 51 lease time, 54 server id, 58/59 T1/T2, 121 classless routes.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace init::dhcp {

// IPv4 addresses in host byte order.
using Ipv4 = std::uint32_t;
std::string format_ipv4(Ipv4 address);

enum class MessageType : std::uint8_t {
  discover = 1,
  offer = 2,
  request = 3,
  decline = 4,
  ack = 5,
  nak = 6,
  release = 7,
};

namespace option {
inline constexpr std::uint8_t subnet_mask = 1;
inline constexpr std::uint8_t router = 3;
inline constexpr std::uint8_t dns = 6;
inline constexpr std::uint8_t hostname = 12;
inline constexpr std::uint8_t domain = 15;
inline constexpr std::uint8_t mtu = 26;
inline constexpr std::uint8_t requested_ip = 50;
inline constexpr std::uint8_t lease_time = 51;
inline constexpr std::uint8_t message_type = 53;
inline constexpr std::uint8_t server_id = 54;
inline constexpr std::uint8_t parameter_list = 55;
inline constexpr std::uint8_t max_message_size = 57;
inline constexpr std::uint8_t renewal_time = 58;
inline constexpr std::uint8_t rebinding_time = 59;
inline constexpr std::uint8_t client_id = 61;
inline constexpr std::uint8_t classless_routes = 121;
inline constexpr std::uint8_t end = 255;
inline constexpr std::uint8_t pad = 0;
}  // namespace option

struct Message {
  std::uint8_t op = 1;  // 1 request (client), 2 reply (server)
  std::uint32_t xid = 0;
  std::uint16_t secs = 0;
  bool broadcast = false;
  Ipv4 ciaddr = 0, yiaddr = 0, siaddr = 0, giaddr = 0;
  std::array<std::uint8_t, 6> chaddr{};
  // Concatenated per RFC 3396 when an option repeats.
  std::map<std::uint8_t, std::vector<std::uint8_t>> options;

  std::optional<MessageType> type() const;
  std::optional<Ipv4> address_option(std::uint8_t code) const;
  std::optional<std::uint32_t> u32_option(std::uint8_t code) const;
};

std::vector<std::uint8_t> encode(const Message& message);
common::Result<Message> decode(const std::uint8_t* data, std::size_t size);

struct Route {
  Ipv4 destination = 0;
  int prefix_length = 0;
  Ipv4 gateway = 0;  // 0: on-link
  bool operator==(const Route&) const = default;
};

// The shortest lease taken (a shorter one is stretched) and the shortest T1:
// floors against a renewal loop from a broken or hostile server (a lease or
// T1 of 0), not against a server that wants quick renewals (dnsmasq in the
// netns test asks for T1 = 3 s).
inline constexpr std::uint32_t kMinLeaseSeconds = 60;
inline constexpr std::uint32_t kMinRenewalSeconds = 3;

struct Lease {
  Ipv4 address = 0;
  int prefix_length = 32;
  Ipv4 server = 0;
  std::vector<Route> routes;  // option 121 if present, else a default route per option 3
  std::vector<Ipv4> dns;
  std::string domain;
  std::string hostname;
  std::optional<int> mtu;
  std::uint32_t lease_seconds = 0;  // at least kMinLeaseSeconds
  std::uint32_t t1_seconds = 0;
  std::uint32_t t2_seconds = 0;
};

// The lease an ACK grants, with RFC defaults for T1 (0.5) and T2 (0.875).
common::Result<Lease> lease_from_ack(const Message& ack);

// RFC 3442: width, significant octets, router; errors on truncation.
common::Result<std::vector<Route>> decode_classless_routes(const std::vector<std::uint8_t>& data);

}  // namespace init::dhcp
