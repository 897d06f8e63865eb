#include "init/dhcp_message.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>

namespace init::dhcp {
namespace {

using common::Error;

constexpr std::size_t kFixedSize = 236;  // op .. file, before the magic cookie
constexpr std::array<std::uint8_t, 4> kMagicCookie = {99, 130, 83, 99};
constexpr std::uint8_t kOptionOverload = 52;

void put32(std::vector<std::uint8_t>& out, std::size_t at, std::uint32_t value) {
  out[at] = static_cast<std::uint8_t>(value >> 24);
  out[at + 1] = static_cast<std::uint8_t>(value >> 16);
  out[at + 2] = static_cast<std::uint8_t>(value >> 8);
  out[at + 3] = static_cast<std::uint8_t>(value);
}

std::uint32_t get32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

common::Status parse_options(const std::uint8_t* p, std::size_t size,
                             std::map<std::uint8_t, std::vector<std::uint8_t>>& options) {
  std::size_t i = 0;
  while (i < size) {
    const std::uint8_t code = p[i++];
    if (code == option::pad) continue;
    if (code == option::end) return {};
    if (i >= size) return common::fail(Error::Kind::invalid_input, "truncated DHCP option");
    const std::uint8_t length = p[i++];
    if (i + length > size) return common::fail(Error::Kind::invalid_input, "truncated DHCP option");
    auto& value = options[code];
    value.insert(value.end(), p + i, p + i + length);
    i += length;
  }
  return {};  // no end option: tolerated, as most clients do
}

}  // namespace

std::string format_ipv4(Ipv4 a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

std::optional<MessageType> Message::type() const {
  auto it = options.find(option::message_type);
  if (it == options.end() || it->second.size() != 1) return std::nullopt;
  const auto value = it->second[0];
  if (value < 1 || value > 7) return std::nullopt;
  return static_cast<MessageType>(value);
}

std::optional<Ipv4> Message::address_option(std::uint8_t code) const {
  auto it = options.find(code);
  if (it == options.end() || it->second.size() < 4) return std::nullopt;
  return get32(it->second.data());
}

std::optional<std::uint32_t> Message::u32_option(std::uint8_t code) const {
  auto it = options.find(code);
  if (it == options.end() || it->second.size() != 4) return std::nullopt;
  return get32(it->second.data());
}

std::vector<std::uint8_t> encode(const Message& m) {
  // The fixed header and the magic cookie are sized up front: appending the
  // cookie to a vector of exactly kFixedSize bytes made g++ 12 at -O3 report
  // a -Warray-bounds false positive on the inlined memcpy.
  std::vector<std::uint8_t> out(kFixedSize + kMagicCookie.size(), 0);
  out[0] = m.op;
  out[1] = 1;  // htype: Ethernet
  out[2] = 6;  // hlen
  put32(out, 4, m.xid);
  out[8] = static_cast<std::uint8_t>(m.secs >> 8);
  out[9] = static_cast<std::uint8_t>(m.secs);
  out[10] = m.broadcast ? 0x80 : 0;
  put32(out, 12, m.ciaddr);
  put32(out, 16, m.yiaddr);
  put32(out, 20, m.siaddr);
  put32(out, 24, m.giaddr);
  std::copy(m.chaddr.begin(), m.chaddr.end(), out.begin() + 28);
  std::copy(kMagicCookie.begin(), kMagicCookie.end(), out.begin() + kFixedSize);
  for (const auto& [code, value] : m.options) {
    // Values longer than 255 bytes are split into repeated options (RFC 3396).
    std::size_t done = 0;
    do {
      const std::size_t chunk = std::min<std::size_t>(255, value.size() - done);
      out.push_back(code);
      out.push_back(static_cast<std::uint8_t>(chunk));
      out.insert(out.end(), value.begin() + static_cast<std::ptrdiff_t>(done),
                 value.begin() + static_cast<std::ptrdiff_t>(done + chunk));
      done += chunk;
    } while (done < value.size());
  }
  out.push_back(option::end);
  // Some old relays drop BOOTP messages shorter than 300 bytes.
  if (out.size() < 300) out.resize(300, 0);
  return out;
}

common::Result<Message> decode(const std::uint8_t* p, std::size_t size) {
  if (size < kFixedSize + kMagicCookie.size()) {
    return common::fail(Error::Kind::invalid_input, "DHCP message too short");
  }
  if (!std::equal(kMagicCookie.begin(), kMagicCookie.end(), p + kFixedSize)) {
    return common::fail(Error::Kind::invalid_input, "DHCP magic cookie missing");
  }
  if (p[1] != 1 || p[2] != 6) {
    return common::fail(Error::Kind::invalid_input, "DHCP message not for Ethernet");
  }
  Message m;
  m.op = p[0];
  m.xid = get32(p + 4);
  m.secs = static_cast<std::uint16_t>((p[8] << 8) | p[9]);
  m.broadcast = (p[10] & 0x80) != 0;
  m.ciaddr = get32(p + 12);
  m.yiaddr = get32(p + 16);
  m.siaddr = get32(p + 20);
  m.giaddr = get32(p + 24);
  std::copy(p + 28, p + 34, m.chaddr.begin());
  const std::size_t start = kFixedSize + kMagicCookie.size();
  if (auto s = parse_options(p + start, size - start, m.options); !s) {
    return std::unexpected(s.error());
  }
  // Option overload: more options in the file (1), sname (2) fields, or both.
  if (auto it = m.options.find(kOptionOverload); it != m.options.end() && it->second.size() == 1) {
    const auto overload = it->second[0];
    if (overload & 1) {
      if (auto s = parse_options(p + 108, 128, m.options); !s) return std::unexpected(s.error());
    }
    if (overload & 2) {
      if (auto s = parse_options(p + 44, 64, m.options); !s) return std::unexpected(s.error());
    }
  }
  return m;
}

common::Result<std::vector<Route>> decode_classless_routes(const std::vector<std::uint8_t>& d) {
  std::vector<Route> routes;
  std::size_t i = 0;
  while (i < d.size()) {
    const int width = d[i++];
    if (width > 32) return common::fail(Error::Kind::invalid_input, "classless route width > 32");
    const std::size_t octets = (static_cast<std::size_t>(width) + 7) / 8;
    if (i + octets + 4 > d.size()) {
      return common::fail(Error::Kind::invalid_input, "truncated classless route");
    }
    Ipv4 destination = 0;
    for (std::size_t k = 0; k < octets; ++k) destination |= Ipv4{d[i + k]} << (24 - 8 * k);
    i += octets;
    // Bits beyond the prefix must be ignored (RFC 3442 section 3).
    const Ipv4 mask = width == 0 ? 0 : ~Ipv4{0} << (32 - width);
    routes.push_back({destination & mask, width, get32(d.data() + i)});
    i += 4;
  }
  return routes;
}

common::Result<Lease> lease_from_ack(const Message& ack) {
  if (ack.type() != MessageType::ack) {
    return common::fail(Error::Kind::invalid_input, "not a DHCPACK");
  }
  if (ack.yiaddr == 0) return common::fail(Error::Kind::invalid_input, "DHCPACK without address");
  Lease lease;
  lease.address = ack.yiaddr;
  if (auto mask = ack.address_option(option::subnet_mask)) {
    // A mask must be contiguous ones; anything else is refused.
    const int ones = std::popcount(*mask);
    if (ones != 32 && (*mask << ones) != 0) {
      return common::fail(Error::Kind::invalid_input, "non-contiguous subnet mask");
    }
    lease.prefix_length = ones;
  } else {
    lease.prefix_length = 24;  // no mask: the historical class C guess
  }
  lease.server = ack.address_option(option::server_id).value_or(0);
  if (auto it = ack.options.find(option::classless_routes); it != ack.options.end()) {
    auto routes = decode_classless_routes(it->second);
    if (!routes) return std::unexpected(routes.error());
    lease.routes = *routes;  // RFC 3442: when present, option 3 is ignored
  } else if (auto router = ack.address_option(option::router)) {
    lease.routes.push_back({0, 0, *router});
  }
  if (auto it = ack.options.find(option::dns); it != ack.options.end()) {
    for (std::size_t i = 0; i + 4 <= it->second.size(); i += 4) {
      lease.dns.push_back(get32(it->second.data() + i));
    }
  }
  auto text = [&](std::uint8_t code) {
    auto it = ack.options.find(code);
    if (it == ack.options.end()) return std::string();
    std::string value(it->second.begin(), it->second.end());
    // Only printable DNS-name characters reach resolv.conf and the hostname.
    value.erase(std::remove_if(value.begin(), value.end(),
                               [](char c) {
                                 return !(std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                                          c == '.');
                               }),
                value.end());
    return value;
  };
  lease.domain = text(option::domain);
  lease.hostname = text(option::hostname);
  if (auto it = ack.options.find(option::mtu); it != ack.options.end() && it->second.size() == 2) {
    const int mtu = (it->second[0] << 8) | it->second[1];
    if (mtu >= 576) lease.mtu = mtu;  // RFC 2132: the minimum legal value is 68; IPv4 wants 576
  }
  // A lease of 0 s or a T1 of 0 would renew in a tight loop: floors, and
  // T1 < T2 < lease or the RFC 2131 defaults (1/2 and 7/8 of the lease).
  lease.lease_seconds =
      std::max(ack.u32_option(option::lease_time).value_or(3600), kMinLeaseSeconds);
  lease.t1_seconds = ack.u32_option(option::renewal_time).value_or(lease.lease_seconds / 2);
  lease.t2_seconds = ack.u32_option(option::rebinding_time).value_or(lease.lease_seconds / 8 * 7);
  if (lease.t1_seconds < kMinRenewalSeconds || lease.t1_seconds >= lease.t2_seconds ||
      lease.t2_seconds >= lease.lease_seconds) {
    lease.t1_seconds = lease.lease_seconds / 2;
    lease.t2_seconds = lease.lease_seconds / 8 * 7;
  }
  return lease;
}

}  // namespace init::dhcp
