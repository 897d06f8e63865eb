// The public HTTP front (common/http_server.hpp) against real clients on
// loopback: routing, TLS with the hot-swappable identity, and every limit
// the issue names, each driven the way an abusive client would (slow
// headers, huge or chunked or compressed bodies, header floods, many
// connections from one address) while a normal client is still served.
#include "common/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "common/crypto.hpp"
#include "common/http_client.hpp"
#include "common/listen_fds.hpp"
#include "common/x509.hpp"
#include "fixtures/process.hpp"

namespace {

using namespace std::chrono_literals;
using common::http::Dispatch;
using common::http::Request;
using common::http::Response;
using common::http::Router;
using common::http::Server;
using common::http::ServerOptions;

// A raw TCP client bound to a chosen loopback address (127.0.0.0/8 all
// reaches the server; each is "another client address").
class RawClient {
 public:
  RawClient(int port, const std::string& from = "127.0.0.1") {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, from.c_str(), &local.sin_addr);
    bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&remote), sizeof remote) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) close(fd_);
  }
  RawClient(RawClient&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), connected_(other.connected_) {}
  bool connected() const { return connected_; }
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // Everything until the peer closes or `timeout` passes.
  std::string read_all(std::chrono::milliseconds timeout) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[4096];
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }
  bool closed_by_peer() const { return closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return 0;
}

Router test_router() {
  Router router;
  router.get(
      "/", [](const Request&, Response& res) { res.set_content("hello\n", "text/plain"); },
      Dispatch::io_thread);
  router.get("/echo", [](const Request& req, Response& res) {
    res.set_content(req.get_param_value("q") + "|" + req.remote_addr, "text/plain");
  });
  router.post("/form", [](const Request& req, Response& res) {
    res.set_content(req.get_param_value("a") + "," + req.get_param_value("b"), "text/plain");
  });
  router.get("/slow", [](const Request&, Response& res) {
    std::this_thread::sleep_for(700ms);
    res.set_content("done", "text/plain");
  });
  router.set_default_headers({{"X-Content-Type-Options", "nosniff"}});
  return router;
}

// A server on a free loopback port, run on its own thread until the test ends.
class Running {
 public:
  explicit Running(ServerOptions options = {},
                   std::shared_ptr<common::CertificateStore> store = nullptr)
      : server_(test_router(), std::move(store), options) {
    auto port = server_.bind("127.0.0.1", 0);
    EXPECT_TRUE(port) << port.error().message;
    port_ = port.value_or(0);
    thread_ = std::thread([this] { server_.run(); });
  }
  ~Running() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  Server& server() { return server_; }
  std::string url(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }

 private:
  Server server_;
  int port_ = 0;
  std::thread thread_;
};

std::string status_line(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

TEST(HttpServer, ServesRoutesHeadFormsAndDefaultHeaders) {
  Running running;
  RawClient client(running.port());
  client.send("GET /echo?q=a%20b+c HTTP/1.1\r\nHost: x\r\n\r\n");
  auto echo = client.read_all(1s);
  EXPECT_EQ(status_line(echo), "HTTP/1.1 200 OK");
  EXPECT_NE(echo.find("\r\n\r\na b c|127.0.0.1"), std::string::npos) << echo;
  EXPECT_NE(echo.find("X-Content-Type-Options: nosniff"), std::string::npos) << echo;

  RawClient head(running.port());
  head.send("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto answer = head.read_all(2s);
  EXPECT_NE(answer.find("Content-Length: 6"), std::string::npos) << answer;
  EXPECT_TRUE(answer.ends_with("\r\n\r\n")) << "HEAD carries no body: " << answer;

  RawClient form(running.port());
  form.send(
      "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 12\r\nConnection: close\r\n\r\na=1&b=two%21");
  auto posted = form.read_all(2s);
  EXPECT_NE(posted.find("\r\n\r\n1,two!"), std::string::npos) << posted;

  for (auto [request, expected] :
       {std::pair{"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "404"},
        std::pair{"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                  "405"},
        std::pair{"GET http://evil/ HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
        std::pair{"BLAH\r\n\r\n", "400"}}) {
    RawClient c(running.port());
    c.send(request);
    EXPECT_EQ(status_line(c.read_all(2s)).substr(9, 3), expected) << request;
  }
}

TEST(HttpServer, ServesTlsWithTheStoresCurrentIdentity) {
  auto store = std::make_shared<common::CertificateStore>();
  auto key = common::crypto::generate_p256();
  ASSERT_TRUE(store->update(*common::x509::self_signed_pem(key->get(), {"localhost"}, 1h),
                            *common::crypto::private_key_pem(key->get())));
  Running running({}, store);
  common::HttpRequest request;
  request.url = "https://localhost:" + std::to_string(running.port()) + "/echo?q=tls";
  request.verify_tls = false;
  request.capture_peer_certificate = true;
  auto response = common::http_request(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body.starts_with("tls|")) << response->body;
  EXPECT_EQ(common::crypto::hex(
                common::x509::describe_leaf_pem(response->peer_certificate_pem)->spki_sha256),
            store->spki_sha256_hex());
  // A new identity is used by the next handshake, without a restart.
  auto other = common::crypto::generate_p256();
  ASSERT_TRUE(store->update(*common::x509::self_signed_pem(other->get(), {"localhost"}, 1h),
                            *common::crypto::private_key_pem(other->get())));
  auto swapped = common::http_request(request);
  ASSERT_TRUE(swapped);
  EXPECT_EQ(common::crypto::hex(
                common::x509::describe_leaf_pem(swapped->peer_certificate_pem)->spki_sha256),
            store->spki_sha256_hex());
}

TEST(HttpServer, AThousandSlowHeaderConnectionsDoNotDelayANormalClient) {
  ServerOptions options;
  options.head_timeout = 3s;
  Running running(options);
  // 1,000 connections from eight addresses (125 each, under the per-address
  // cap), each sending its head one byte at a time.
  std::vector<RawClient> slow;
  for (int i = 0; i < 1000; ++i) {
    slow.emplace_back(running.port(), "127.0.0." + std::to_string(10 + i % 8));
    ASSERT_TRUE(slow.back().connected()) << i;
    slow.back().send("G");
  }
  ASSERT_TRUE(
      fixtures::wait_until([&] { return running.server().stats().open_connections >= 1000; }, 10s))
      << running.server().stats().open_connections;
  for (auto& client : slow) client.send("E");
  const auto start = std::chrono::steady_clock::now();
  RawClient normal(running.port(), "127.0.0.2");
  normal.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto answer = normal.read_all(1s);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status_line(answer), "HTTP/1.1 200 OK");
  EXPECT_LT(elapsed, 1s);
  // However slowly they trickle, the whole head has one deadline: closed.
  for (int round = 0; round < 4; ++round) {
    std::this_thread::sleep_for(1s);
    for (auto& client : slow) client.send("T");
  }
  EXPECT_TRUE(
      fixtures::wait_until([&] { return running.server().stats().open_connections == 0; }, 5s))
      << running.server().stats().open_connections;
  EXPECT_GE(running.server().stats().timeouts, 1000u);
}

TEST(HttpServer, AChunkedBodyOfHundredsOfMegabytesIsRefusedWithoutGrowingMemory) {
  Running running;
  // 300 MiB of chunks, as fast as the server will take them.
  const std::string chunk = "100000\r\n" + std::string(0x100000, 'a') + "\r\n";
  [[maybe_unused]] const long before = rss_kib();
  RawClient client(running.port());
  client.send("POST /form HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::size_t sent = 0;
  for (; sent < 300; ++sent) {
    if (!client.send(chunk)) break;  // the server answered and closed
  }
  auto answer = client.read_all(2s);
  EXPECT_EQ(status_line(answer), "HTTP/1.1 411 Length Required") << answer.substr(0, 200);
  EXPECT_LT(sent, 300u) << "the server read the whole body";
#if !defined(__SANITIZE_ADDRESS__)
  // Under AddressSanitizer RSS also holds its quarantine and shadow memory,
  // so the figure says nothing about the server there.
  EXPECT_LT(rss_kib() - before, 5 * 1024) << "RSS grew by more than 5 MB";
#endif
}

TEST(HttpServer, BodiesAreLimitedBeforeTheyAreRead) {
  Running running;
  struct Case {
    std::string head;
    std::string status;
  };
  const std::vector<Case> cases = {
      {"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 65537\r\n\r\n", "413"},
      {"POST /form HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\n\r\n",
       "415"},
      {"POST /form HTTP/1.1\r\nHost: x\r\nContent-Encoding: identity, gzip\r\nContent-Length: "
       "1\r\n\r\n",
       "415"},
      {"POST /form HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "501"},
  };
  for (const auto& c : cases) {
    RawClient client(running.port());
    client.send(c.head);
    auto answer = client.read_all(2s);
    EXPECT_EQ(status_line(answer).substr(9, 3), c.status) << c.head;
    EXPECT_TRUE(client.closed_by_peer()) << c.head;
  }
  RawClient identity(running.port());
  identity.send(
      "POST /form HTTP/1.1\r\nHost: x\r\nContent-Encoding: identity\r\nContent-Length: 3\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\na=1");
  EXPECT_EQ(status_line(identity.read_all(2s)), "HTTP/1.1 200 OK");
}

// A client that sends its too-large body before reading (as curl and most
// libraries do) must still get the 413: closing with its bytes unread makes
// the kernel answer them with a RST, which destroys the response in flight.
// Seen as "broken pipe" instead of the 413 in HttpsServerTest and authd's
// daemon test under load; the server now drains for a while before closing.
TEST(HttpServer, ARefusedBodySentInFullStillGetsItsAnswer) {
  Running running;
  const std::string body(800000, 'a');  // under the 1 MiB the server drains
  int answered = 0;
  constexpr int kTries = 20;
  for (int i = 0; i < kTries; ++i) {
    RawClient client(running.port());
    client.send("POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n\r\n");
    // Give the server time to answer and close before the body arrives.
    std::this_thread::sleep_for(20ms);
    // curl and most libraries give up with "broken pipe" when the send
    // fails, and never read the answer.
    const bool sent = client.send(body);
    if (sent && status_line(client.read_all(2s)) == "HTTP/1.1 413 Payload Too Large") ++answered;
  }
  EXPECT_EQ(answered, kTries);
}

TEST(HttpServer, HeaderFloodsAre431) {
  Running running;
  std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 10000; ++i) many += "X-" + std::to_string(i) + ": y\r\n";
  RawClient flood(running.port());
  flood.send(many + "\r\n");
  EXPECT_EQ(status_line(flood.read_all(2s)), "HTTP/1.1 431 Request Header Fields Too Large");
  // 101 small fields fit in 16 KiB but are one too many.
  std::string fields = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) fields += "X-" + std::to_string(i) + ": y\r\n";
  RawClient counted(running.port());
  counted.send(fields + "\r\n");
  EXPECT_EQ(status_line(counted.read_all(2s)).substr(9, 3), "431");
}

TEST(HttpServer, ConnectionsPastThePerAddressCapAreClosedWhileOthersAreServed) {
  ServerOptions options;
  options.max_connections_per_address = 5;
  Running running(options);
  std::vector<RawClient> held;
  for (int i = 0; i < 5; ++i) held.emplace_back(running.port(), "127.0.0.3");
  ASSERT_TRUE(
      fixtures::wait_until([&] { return running.server().stats().open_connections == 5; }, 5s));
  RawClient over(running.port(), "127.0.0.3");
  over.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(over.read_all(2s), "");
  EXPECT_TRUE(over.closed_by_peer());
  EXPECT_EQ(running.server().stats().refused_connections, 1u);
  RawClient other(running.port(), "127.0.0.4");
  other.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_line(other.read_all(2s)), "HTTP/1.1 200 OK");
}

TEST(HttpServer, TlsHandshakeHasADeadline) {
  auto store = std::make_shared<common::CertificateStore>();
  auto key = common::crypto::generate_p256();
  ASSERT_TRUE(store->update(*common::x509::self_signed_pem(key->get(), {"localhost"}, 1h),
                            *common::crypto::private_key_pem(key->get())));
  ServerOptions options;
  options.handshake_timeout = 1s;
  Running running(options, store);
  RawClient silent(running.port());
  silent.read_all(3s);
  EXPECT_TRUE(silent.closed_by_peer());
  // The counter moves when the handshake's handler runs, just after the close.
  EXPECT_TRUE(
      fixtures::wait_until([&] { return running.server().stats().handshake_failures == 1; }, 2s));
}

TEST(HttpServer, KeepAliveIsBoundedInRequestsAndIdleTime) {
  ServerOptions options;
  options.max_requests_per_connection = 3;
  options.idle_timeout = 1s;
  Running running(options);
  RawClient client(running.port());
  client.send(
      "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto answers = client.read_all(3s);
  std::size_t count = 0;
  for (auto at = answers.find("HTTP/1.1 200"); at != std::string::npos;
       at = answers.find("HTTP/1.1 200", at + 1))
    ++count;
  EXPECT_EQ(count, 3u) << answers;
  EXPECT_TRUE(client.closed_by_peer());
  RawClient idle(running.port());
  idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  idle.read_all(3s);
  EXPECT_TRUE(idle.closed_by_peer()) << "an idle keep-alive connection must be closed";
}

TEST(HttpServer, StopFinishesRequestsInFlightAndClosesIdleConnections) {
  auto server = std::make_unique<Server>(test_router(), nullptr, ServerOptions{});
  const int port = *server->bind("127.0.0.1", 0);
  std::thread runner([&] { server->run(); });
  RawClient idle(port);
  RawClient busy(port);
  busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(fixtures::wait_until([&] { return server->stats().requests == 1; }, 5s));
  const auto start = std::chrono::steady_clock::now();
  server->stop();
  auto answer = busy.read_all(5s);
  runner.join();
  EXPECT_EQ(status_line(answer), "HTTP/1.1 200 OK");
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  idle.read_all(1s);
  EXPECT_TRUE(idle.closed_by_peer());
  RawClient late(port);
  EXPECT_FALSE(late.connected()) << "still accepting after stop";
}

// Runs `server` (listening on `port`) until one request has been answered,
// then stops it and waits for run() to return.
void serve_one_request_then_stop(Server& server, int port) {
  std::thread runner([&] { server.run(); });
  RawClient client(port);
  client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_line(client.read_all(2s)), "HTTP/1.1 200 OK");
  server.stop();
  runner.join();
}

// Once run() has returned the port is free, while the Server object still
// exists: every I/O thread's acceptor (each holds the listening socket) is
// closed, so a responder made again, or a restarted daemon, binds it at once.
TEST(HttpServer, ThePortIsFreeOnceRunHasReturned) {
  for (int round = 0; round < 20; ++round) {
    ServerOptions options;
    options.io_threads = 4;
    Server server(test_router(), nullptr, options);
    const int port = *server.bind("127.0.0.1", 0);
    serve_one_request_then_stop(server, port);
    auto again = common::bind_tcp_listener("127.0.0.1", port);
    ASSERT_TRUE(again) << "round " << round << ": " << again.error().message;
    close(*again);
  }
}

TEST(HttpServer, AdoptsASocketBoundBeforeIt) {
  auto fd = common::bind_tcp_listener("127.0.0.1", 0);
  ASSERT_TRUE(fd);
  const int port = *common::local_port(*fd);
  Server server(test_router(), nullptr);
  ASSERT_TRUE(server.adopt(*fd));
  serve_one_request_then_stop(server, port);
}

}  // namespace
