#pragma once
// A small DHCPv4 client (RFC 2131) for one interface, on the io_context:
//   selecting --OFFER--> requesting --ACK--> bound --T1--> renewing (unicast)
//   --T2--> rebinding (broadcast) --lease end--> selecting; NAK: selecting.
// Replies are read from an AF_PACKET socket filtered to UDP port 68, which
// sees them whether the server unicasts or broadcasts, before the interface
// has an address; requests leave through a UDP socket bound to the device.

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <optional>

#include "common/error.hpp"
#include "init/dhcp_message.hpp"
#include "init/net_config.hpp"

namespace init::dhcp {

class Client {
 public:
  // Read per wake of the event loop, then yield: the packet socket sees every
  // UDP packet to port 68 on the link, and a flood must not starve init.
  static constexpr int kMaxPacketsPerWake = 16;
  using OnBound = std::function<void(const Lease&)>;
  Client(boost::asio::io_context& io, net::Interface interface, net::ApplyOptions apply,
         OnBound on_bound);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  common::Status start();

 private:
  enum class Phase { selecting, requesting, bound, renewing, rebinding };

  void enter_selecting();
  void send(MessageType type);
  void retransmit_later(std::chrono::milliseconds delay);
  void on_retransmit();
  void on_lease_timer();
  void wait_for_packet();
  void read_packets();
  void handle(const Message& reply);
  void bind(const Lease& lease);
  void arm_lease_timer();
  void give_up_address(const Lease& lease);

  boost::asio::io_context& io_;
  net::Interface interface_;
  net::ApplyOptions apply_;
  OnBound on_bound_;
  boost::asio::posix::stream_descriptor packet_socket_;
  int udp_fd_ = -1;
  boost::asio::steady_timer retransmit_timer_;
  boost::asio::steady_timer lease_timer_;

  Phase phase_ = Phase::selecting;
  std::uint32_t xid_ = 0;
  unsigned attempts_ = 0;
  std::chrono::steady_clock::time_point started_{};
  Ipv4 offered_address_ = 0;
  Ipv4 offered_server_ = 0;
  std::optional<Lease> lease_;
  std::chrono::steady_clock::time_point bound_at_{};
};

}  // namespace init::dhcp
