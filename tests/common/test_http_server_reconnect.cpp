// A client that reconnects as soon as it has read a "Connection: close"
// answer (wrk does, every max_requests_per_connection requests) is not
// refused by the per-address cap: the connection that is ending gave its
// slot back before its last answer was sent.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "common/http_server.hpp"

namespace {

using namespace std::chrono_literals;

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(static_cast<std::uint16_t>(port));
  remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends one request and reads one whole answer (by its Content-Length), as
// a client that does not wait for the server to close; "" if the server
// closed first.
std::string exchange(int fd, const std::string& request) {
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size()))
    return "";
  std::string in;
  char buffer[4096];
  while (true) {
    const auto end = in.find("\r\n\r\n");
    if (end != std::string::npos) {
      const auto at = in.find("Content-Length: ");
      if (at != std::string::npos && in.size() >= end + 4 + std::stoul(in.substr(at + 16)))
        return in;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0) return "";
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return "";
    in.append(buffer, static_cast<std::size_t>(n));
  }
}

TEST(HttpServer, AClientReconnectingAfterConnectionCloseIsNotRefusedByTheCap) {
  common::http::Router router;
  router.get(
      "/", [](const auto&, auto& res) { res.set_content("hello", "text/plain"); },
      common::http::Dispatch::io_thread);
  common::http::ServerOptions options;
  options.max_connections_per_address = 1;
  options.io_threads = 2;
  common::http::Server server(std::move(router), nullptr, options);
  const auto port = server.bind("127.0.0.1", 0);
  ASSERT_TRUE(port);
  std::thread serving([&] { server.run(); });
  int refused = 0;
  for (int i = 0; i < 300; ++i) {
    const int fd = connect_to(*port);
    ASSERT_GE(fd, 0);
    const auto answer = exchange(fd, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    close(fd);
    if (!answer.starts_with("HTTP/1.1 200")) ++refused;
  }
  server.stop();
  serving.join();
  EXPECT_EQ(refused, 0);
  EXPECT_EQ(server.stats().refused_connections, 0U);
}

}  // namespace
