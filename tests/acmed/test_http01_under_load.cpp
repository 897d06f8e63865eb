// acmed's HTTP-01 responder (port 80) under a slow-header attack: pebble's
// real validation succeeds while 100 connections hold the port, each sending
// one header byte every 2 s and reconnecting as soon as the server closes it
// (the head deadline), so that 100 are open throughout.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "acmed_harness.hpp"

namespace acmed_test {
namespace {

using namespace std::chrono_literals;

// `count` connections to 127.0.0.1:port that never finish their request head.
class SlowClients {
 public:
  SlowClients(int port, std::size_t count) : port_(port), fds_(count, -1) {
    thread_ = std::thread([this] { loop(); });
  }
  ~SlowClients() {
    stop_ = true;
    thread_.join();
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }
  SlowClients(const SlowClients&) = delete;
  SlowClients& operator=(const SlowClients&) = delete;

  std::size_t open() const { return open_; }
  // Connections the server closed on us (its head deadline at work).
  std::size_t closed_by_server() const { return closed_by_server_; }

 private:
  int connect_one() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port_));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  // Has the server closed (or answered) this connection?
  static bool gone(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }

  void loop() {
    static constexpr std::string_view kHead =
        "GET /.well-known/acme-challenge/x HTTP/1.1\r\nX-Slow: ";
    std::vector<std::size_t> sent(fds_.size(), 0);
    auto next_byte = std::chrono::steady_clock::now();
    while (!stop_) {
      const bool send_now = std::chrono::steady_clock::now() >= next_byte;
      if (send_now) next_byte += 2s;
      std::size_t open = 0;
      for (std::size_t i = 0; i < fds_.size(); ++i) {
        int& fd = fds_[i];
        if (fd >= 0 && gone(fd)) {
          ::close(fd);
          fd = -1;
          ++closed_by_server_;
        }
        if (fd < 0) {
          fd = connect_one();
          sent[i] = 0;
          if (fd >= 0) static_cast<void>(::send(fd, kHead.data(), 1, MSG_NOSIGNAL));
        } else if (send_now) {
          const char byte = sent[i] + 1 < kHead.size() ? kHead[sent[i] + 1] : 'a';
          static_cast<void>(::send(fd, &byte, 1, MSG_NOSIGNAL));
          ++sent[i];
        }
        if (fd >= 0) ++open;
      }
      open_ = open;
      std::this_thread::sleep_for(50ms);
    }
  }

  int port_;
  std::vector<int> fds_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> closed_by_server_{0};
  std::thread thread_;
};

TEST(AcmedPebble, Http01ValidationSucceedsWhile100SlowConnectionsHoldPort80) {
  AcmedHarness harness;
  // The first attempt fails (pebble looks for acmed where nothing listens),
  // so that the slow connections are in place before the validation that counts.
  harness.pebble().set_a_record(kDomain, "127.0.0.2");
  harness.start_acmed();
  ASSERT_TRUE(harness.wait_for_log("\"event\":\"challenge.failed\"", 30s)) << harness.log();

  SlowClients slow(harness.http_port(), 100);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (slow.open() < 100 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(slow.open(), 100U);
  std::this_thread::sleep_for(3s);  // every slow connection has sent more than its first byte
  ASSERT_GE(slow.open(), 95U);

  harness.pebble().clear_a_record(kDomain);
  const auto started = std::chrono::steady_clock::now();
  auto issued = harness.wait_for_issued(30s);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(issued.is_object()) << harness.log();
  EXPECT_EQ(openssl_verify(issued["chain_pem"], harness.pebble().root_pem()), "");
  EXPECT_GE(harness.log_count("\"event\":\"challenge.served\""), 1U);
  // The attack was on throughout: the slow connections were still held, and
  // the server's head deadline (5 s on port 80) had closed some, which they
  // reopened at once.
  EXPECT_GE(slow.open(), 95U);
  RecordProperty(
      "issued_after_ms",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
  if (took > 5s) {
    EXPECT_GT(slow.closed_by_server(), 0U);
  }
}

}  // namespace
}  // namespace acmed_test
