#include "init/dhcp_client.hpp"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "common/json.hpp"
#include "common/log.hpp"

namespace init::dhcp {
namespace {

namespace log = common::log;
using common::Error;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::uint16_t kServerPort = 67;
constexpr std::uint16_t kClientPort = 68;
constexpr unsigned kRequestAttempts = 4;  // then back to DISCOVER

// Classic BPF: accept unfragmented IPv4 UDP to port 68 (the packet socket
// then costs nothing for the rest of the traffic on the interface).
constexpr std::array<sock_filter, 9> kClientPortFilter = {{
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),  // IP protocol
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 6),
    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),  // fragment offset
    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
    BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),  // X = IP header length
    BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),   // UDP destination port
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kClientPort, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, 0x40000),
    BPF_STMT(BPF_RET | BPF_K, 0),
}};
// The sending socket would receive the same replies: it keeps none.
constexpr std::array<sock_filter, 1> kDropAll = {{BPF_STMT(BPF_RET | BPF_K, 0)}};

template <std::size_t N>
bool attach(int fd, const std::array<sock_filter, N>& code) {
  sock_fprog program{static_cast<unsigned short>(N), const_cast<sock_filter*>(code.data())};
  return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) == 0;
}

std::uint32_t random_xid() {
  std::uint32_t value = 0;
  if (getrandom(&value, sizeof value, 0) != sizeof value)
    value = static_cast<std::uint32_t>(getpid());
  return value;
}

common::Status errno_failure(const std::string& what) {
  return common::fail(Error::Kind::environment, "unable to " + what + ": " + std::strerror(errno));
}

std::vector<std::uint8_t> bytes(std::initializer_list<std::uint8_t> list) { return list; }

std::vector<std::uint8_t> address_bytes(Ipv4 a) {
  return {static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16),
          static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a)};
}

}  // namespace

Client::Client(boost::asio::io_context& io, net::Interface interface, net::ApplyOptions apply,
               OnBound on_bound)
    : io_(io),
      interface_(std::move(interface)),
      apply_(std::move(apply)),
      on_bound_(std::move(on_bound)),
      packet_socket_(io),
      retransmit_timer_(io),
      lease_timer_(io) {}

Client::~Client() {
  if (udp_fd_ >= 0) ::close(udp_fd_);
}

common::Status Client::start() {
  if (auto up = net::link_up(interface_.name); !up) return up;
  const int packet_fd =
      socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_IP));
  if (packet_fd < 0) return errno_failure("open packet socket");
  packet_socket_.assign(packet_fd);
  if (!attach(packet_fd, kClientPortFilter)) return errno_failure("attach packet filter");
  sockaddr_ll link{};
  link.sll_family = AF_PACKET;
  link.sll_protocol = htons(ETH_P_IP);
  link.sll_ifindex = interface_.index;
  if (::bind(packet_fd, reinterpret_cast<sockaddr*>(&link), sizeof link) < 0) {
    return errno_failure("bind packet socket to " + interface_.name);
  }

  udp_fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (udp_fd_ < 0) return errno_failure("open UDP socket");
  const int on = 1;
  if (setsockopt(udp_fd_, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) < 0 ||
      setsockopt(udp_fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
      setsockopt(udp_fd_, SOL_SOCKET, SO_BINDTODEVICE, interface_.name.c_str(),
                 static_cast<socklen_t>(interface_.name.size())) < 0 ||
      !attach(udp_fd_, kDropAll)) {
    return errno_failure("configure UDP socket");
  }
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(kClientPort);
  if (::bind(udp_fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) < 0) {
    return errno_failure("bind UDP port 68");
  }
  wait_for_packet();
  enter_selecting();
  return {};
}

void Client::enter_selecting() {
  phase_ = Phase::selecting;
  xid_ = random_xid();
  attempts_ = 0;
  started_ = std::chrono::steady_clock::now();
  offered_address_ = 0;
  offered_server_ = 0;
  send(MessageType::discover);
  retransmit_later(seconds(2));
}

void Client::send(MessageType type) {
  Message m;
  m.xid = xid_;
  m.chaddr = interface_.mac;
  const auto elapsed =
      std::chrono::duration_cast<seconds>(std::chrono::steady_clock::now() - started_);
  m.secs = static_cast<std::uint16_t>(std::min<long>(elapsed.count(), 0xffff));
  // Without an address the reply must reach us anyway: ask for broadcast.
  m.broadcast = phase_ == Phase::selecting || phase_ == Phase::requesting;
  m.options[option::message_type] = bytes({static_cast<std::uint8_t>(type)});
  std::vector<std::uint8_t> client_id = {1};
  client_id.insert(client_id.end(), interface_.mac.begin(), interface_.mac.end());
  m.options[option::client_id] = client_id;
  m.options[option::max_message_size] = bytes({0x05, 0xdc});  // 1500
  m.options[option::parameter_list] =
      bytes({option::subnet_mask, option::router, option::dns, option::hostname, option::domain,
             option::mtu, option::lease_time, option::server_id, option::renewal_time,
             option::rebinding_time, option::classless_routes});
  Ipv4 destination = 0xffffffff;
  if (phase_ == Phase::requesting) {
    m.options[option::requested_ip] = address_bytes(offered_address_);
    m.options[option::server_id] = address_bytes(offered_server_);
  } else if (phase_ == Phase::renewing || phase_ == Phase::rebinding) {
    m.ciaddr = lease_->address;  // RFC 2131 4.3.2: ciaddr set, no 50/54
    if (phase_ == Phase::renewing && lease_->server != 0) destination = lease_->server;
  }
  const auto packet = encode(m);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(kServerPort);
  to.sin_addr.s_addr = htonl(destination);
  if (sendto(udp_fd_, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&to),
             sizeof to) < 0) {
    // Carrier not up yet, or the route is gone: the retransmission retries.
    log::debug(log::Event{"dhcp.send_failed"}, "unable to send DHCP message",
               {{"reason", std::strerror(errno)}});
  }
}

void Client::retransmit_later(milliseconds delay) {
  retransmit_timer_.expires_after(delay);
  retransmit_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) on_retransmit();
  });
}

void Client::on_retransmit() {
  ++attempts_;
  switch (phase_) {
    case Phase::selecting: {
      // RFC 2131 4.1: 4 s, 8 s, ... up to 64 s; we start at 2 s for a faster boot.
      const auto delay = seconds(std::min(64, 2 << std::min(attempts_, 5U)));
      send(MessageType::discover);
      retransmit_later(delay);
      return;
    }
    case Phase::requesting:
      if (attempts_ >= kRequestAttempts) return enter_selecting();
      send(MessageType::request);
      retransmit_later(seconds(2 << attempts_));
      return;
    case Phase::renewing:
    case Phase::rebinding: {
      send(MessageType::request);
      // Half the time left to the next deadline (RFC 2131 4.4.5), at least 1 s.
      const auto deadline = bound_at_ + seconds(phase_ == Phase::renewing ? lease_->t2_seconds
                                                                          : lease_->lease_seconds);
      const auto left =
          std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      retransmit_later(std::max<milliseconds>(left / 2, seconds(1)));
      return;
    }
    case Phase::bound:
      return;
  }
}

void Client::wait_for_packet() {
  packet_socket_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                            [this](const boost::system::error_code& error) {
                              if (error) return;
                              read_packets();
                              wait_for_packet();
                            });
}

// At most kMaxPacketsPerWake, then back to the event loop.
void Client::read_packets() {
  for (int i = 0; i < kMaxPacketsPerWake; ++i) {
    std::array<std::uint8_t, 2048> buffer{};
    sockaddr_ll from{};
    socklen_t from_size = sizeof from;
    const auto n = recvfrom(packet_socket_.native_handle(), buffer.data(), buffer.size(), 0,
                            reinterpret_cast<sockaddr*>(&from), &from_size);
    if (n < 0) return;
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    const auto size = static_cast<std::size_t>(n);
    if (size < 20 || (buffer[0] >> 4) != 4) continue;
    const std::size_t ip_header = (buffer[0] & 0x0f) * 4U;
    const std::size_t ip_total = (std::size_t{buffer[2]} << 8) | buffer[3];
    if (ip_header < 20 || ip_total > size || ip_total < ip_header + 8) continue;
    const std::uint8_t* payload = buffer.data() + ip_header + 8;
    auto message = decode(payload, ip_total - ip_header - 8);
    if (!message) {
      log::debug(log::Event{"dhcp.reply_rejected"}, "unable to decode DHCP reply",
                 {{"reason", message.error().message}});
      continue;
    }
    handle(*message);
  }
}

void Client::handle(const Message& reply) {
  if (reply.op != 2 || reply.xid != xid_ || reply.chaddr != interface_.mac) return;
  const auto type = reply.type();
  if (phase_ == Phase::selecting && type == MessageType::offer) {
    const auto server = reply.address_option(option::server_id);
    if (!server || reply.yiaddr == 0) return;
    offered_address_ = reply.yiaddr;
    offered_server_ = *server;
    log::info(log::Event{"dhcp.offered"}, "DHCP offer received",
              {{"interface", interface_.name},
               {"address", format_ipv4(offered_address_)},
               {"server", format_ipv4(offered_server_)}});
    phase_ = Phase::requesting;
    attempts_ = 0;
    send(MessageType::request);
    retransmit_later(seconds(2));
    return;
  }
  const bool waiting_for_ack =
      phase_ == Phase::requesting || phase_ == Phase::renewing || phase_ == Phase::rebinding;
  if (!waiting_for_ack) return;
  if (type == MessageType::nak) {
    log::warning(log::Event{"dhcp.nak"}, "DHCP NAK received; starting over",
                 {{"interface", interface_.name}});
    if (lease_ && phase_ != Phase::requesting) {
      give_up_address(*lease_);
      lease_.reset();
    }
    lease_timer_.cancel();
    return enter_selecting();
  }
  if (type != MessageType::ack) return;
  auto lease = lease_from_ack(reply);
  if (!lease) {
    log::warning(log::Event{"dhcp.ack_rejected"}, "unable to use DHCP ACK",
                 {{"reason", lease.error().message}});
    return;
  }
  bind(*lease);
}

void Client::bind(const Lease& lease) {
  retransmit_timer_.cancel();
  const bool renewal = lease_.has_value();
  if (auto applied = net::apply_lease(interface_, lease, lease_, apply_); !applied) {
    log::error(log::Event{"dhcp.lease_not_applied"}, "unable to apply DHCP lease",
               {{"reason", applied.error().message}});
    // Try again from the start a little later rather than run half-configured:
    // neither the address this lease may have added nor the one a failed
    // renewal no longer holds stays.
    give_up_address(lease);
    if (lease_ && lease_->address != lease.address) give_up_address(*lease_);
    lease_.reset();
    phase_ = Phase::selecting;
    lease_timer_.expires_after(seconds(5));
    lease_timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error) enter_selecting();
    });
    return;
  }
  lease_ = lease;
  phase_ = Phase::bound;
  bound_at_ = std::chrono::steady_clock::now();
  common::json routes = common::json::array();
  for (const auto& r : lease.routes) {
    routes.push_back(format_ipv4(r.destination) + "/" + std::to_string(r.prefix_length) + " via " +
                     format_ipv4(r.gateway));
  }
  common::json dns = common::json::array();
  for (auto server : lease.dns) dns.push_back(format_ipv4(server));
  char hostname[65] = {};
  gethostname(hostname, sizeof hostname - 1);
  log::info(log::Event{renewal ? "dhcp.lease_renewed" : "dhcp.lease_bound"},
            renewal ? "DHCP lease renewed" : "DHCP lease bound",
            {{"interface", interface_.name},
             {"address", format_ipv4(lease.address) + "/" + std::to_string(lease.prefix_length)},
             {"routes", routes},
             {"dns", dns},
             {"mtu", lease.mtu ? *lease.mtu : 0},
             {"hostname", std::string(hostname)},
             {"lease_seconds", lease.lease_seconds},
             {"t1_seconds", lease.t1_seconds}});
  arm_lease_timer();
  if (!renewal && on_bound_) on_bound_(lease);
}

void Client::give_up_address(const Lease& lease) {
  if (auto removed = net::remove_lease(interface_, lease); !removed) {
    log::warning(log::Event{"dhcp.address_not_removed"}, "unable to remove address",
                 {{"interface", interface_.name}, {"reason", removed.error().message}});
  }
}

void Client::arm_lease_timer() {
  const auto now = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point next;
  if (phase_ == Phase::bound) {
    next = bound_at_ + seconds(lease_->t1_seconds);
  } else if (phase_ == Phase::renewing) {
    next = bound_at_ + seconds(lease_->t2_seconds);
  } else {
    next = bound_at_ + seconds(lease_->lease_seconds);
  }
  lease_timer_.expires_after(std::max(next - now, std::chrono::steady_clock::duration::zero()));
  lease_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) on_lease_timer();
  });
}

void Client::on_lease_timer() {
  if (!lease_) return;
  if (phase_ == Phase::bound || phase_ == Phase::renewing) {
    phase_ = phase_ == Phase::bound ? Phase::renewing : Phase::rebinding;
    log::info(log::Event{phase_ == Phase::renewing ? "dhcp.renewing" : "dhcp.rebinding"},
              phase_ == Phase::renewing ? "DHCP renewing" : "DHCP rebinding",
              {{"interface", interface_.name}});
    xid_ = random_xid();
    attempts_ = 0;
    started_ = std::chrono::steady_clock::now();
    send(MessageType::request);
    // Half of the remaining time, at least 1 s (RFC 2131 4.4.5).
    const auto deadline =
        bound_at_ + seconds(phase_ == Phase::renewing ? lease_->t2_seconds : lease_->lease_seconds);
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - started_);
    retransmit_later(std::max<milliseconds>(left / 2, seconds(1)));
    arm_lease_timer();
    return;
  }
  log::warning(log::Event{"dhcp.lease_expired"}, "DHCP lease expired",
               {{"interface", interface_.name}});
  give_up_address(*lease_);
  lease_.reset();
  retransmit_timer_.cancel();
  enter_selecting();
}

}  // namespace init::dhcp
