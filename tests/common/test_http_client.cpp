// The libcurl client against real HTTP(S) servers (cpp-httplib in-process,
// a raw Unix-socket server), covering what callers rely on.
#include "common/http_client.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/crypto.hpp"
#include "common/x509.hpp"
#include "fixtures/process.hpp"

namespace {

using common::Error;
using common::http_request;
using common::HttpRequest;

// Runs a cpp-httplib server (plain or TLS) on 127.0.0.1:any for one test.
template <class Server>
class Running {
 public:
  template <class... Args>
  explicit Running(Args&&... args) : server(std::forward<Args>(args)...) {}
  void start() {
    port = server.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port, 0);
    thread = std::thread([this] { server.listen_after_bind(); });
    // cpp-httplib's stop() does nothing before the loop runs: wait for it.
    ASSERT_TRUE(
        fixtures::wait_until([this] { return server.is_running(); }, std::chrono::seconds(5)));
  }
  ~Running() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
  std::string url(const std::string& path) const {
    return std::string(std::is_same_v<Server, httplib::SSLServer> ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(port) + path;
  }
  Server server;
  int port = 0;
  std::thread thread;
};

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& s = http.server;
    s.Get("/hello", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Mixed-Case", "one");
      res.set_header("Set-Cookie", "a=1");
      res.set_header("Set-Cookie", "b=2");
      res.set_content("hello", "text/plain");
    });
    s.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.method + " " + req.get_header_value("X-Test") + " " + req.body,
                      "text/plain");
    });
    s.Put("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.method + " " + req.body, "text/plain");
    });
    s.Delete("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.method, "text/plain");
    });
    s.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(100000, 'b'), "text/plain");
    });
    s.Get("/redirect",
          [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/hello"); });
    s.Get("/stall", [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock lock(mutex);
      released.wait_for(lock, std::chrono::seconds(10), [this] { return release; });
      res.set_content("late", "text/plain");
    });
    http.start();
  }
  void TearDown() override {
    {
      std::lock_guard lock(mutex);
      release = true;
    }
    released.notify_all();
  }

  std::mutex mutex;
  std::condition_variable released;
  bool release = false;
  Running<httplib::Server> http;
};

TEST_F(HttpClientTest, GetsStatusBodyAndLowerCasedHeaders) {
  auto response = http_request({.url = http.url("/hello")});
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
  EXPECT_EQ(response->header("x-mixed-case"), "one");
  EXPECT_EQ(response->header("X-MIXED-CASE"), "one");
  EXPECT_EQ(response->headers_named("set-cookie"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(response->header("absent"), std::nullopt);
  for (const auto& [name, value] : response->headers) {
    for (char c : name) EXPECT_FALSE(std::isupper(static_cast<unsigned char>(c))) << name;
  }
}

TEST_F(HttpClientTest, SendsMethodsHeadersAndBodies) {
  auto post = http_request({.method = "POST",
                            .url = http.url("/echo"),
                            .headers = {{"X-Test", "yes"}},
                            .body = std::string("a=1&b=\0x", 8)});
  ASSERT_TRUE(post.has_value()) << post.error().message;
  EXPECT_EQ(post->body, std::string("POST yes a=1&b=\0x", 17));
  auto put = http_request({.method = "PUT", .url = http.url("/echo"), .body = "data"});
  ASSERT_TRUE(put.has_value());
  EXPECT_EQ(put->body, "PUT data");
  auto del = http_request({.method = "DELETE", .url = http.url("/echo")});
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->body, "DELETE");
}

TEST_F(HttpClientTest, AnyStatusIsAResponseAndRedirectsAreNotFollowed) {
  auto missing = http_request({.url = http.url("/missing")});
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
  auto redirect = http_request({.url = http.url("/redirect")});
  ASSERT_TRUE(redirect.has_value());
  EXPECT_EQ(redirect->status, 302);
  EXPECT_EQ(redirect->header("location"), "/hello");
}

TEST_F(HttpClientTest, CapsTheResponseSize) {
  auto big = http_request({.url = http.url("/big"), .max_response_bytes = 1000});
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().kind, Error::Kind::invalid_input);
  EXPECT_NE(big.error().message.find("larger than 1000"), std::string::npos);
  auto fits = http_request({.url = http.url("/big"), .max_response_bytes = 100000});
  ASSERT_TRUE(fits.has_value());
  EXPECT_EQ(fits->body.size(), 100000U);
}

TEST_F(HttpClientTest, TimesOutOnAStalledServer) {
  const auto start = std::chrono::steady_clock::now();
  auto stalled =
      http_request({.url = http.url("/stall"), .timeout = std::chrono::milliseconds(300)});
  ASSERT_FALSE(stalled.has_value());
  EXPECT_EQ(stalled.error().kind, Error::Kind::environment);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(HttpClientTest, UnreachableServerIsAnEnvironmentError) {
  const int port = fixtures::free_tcp_port();
  auto refused = http_request({.url = "http://127.0.0.1:" + std::to_string(port) + "/"});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, Error::Kind::environment);
  EXPECT_TRUE(refused.error().message.starts_with("unable to GET http://127.0.0.1:"));
}

TEST_F(HttpClientTest, RejectsBadRequestsBeforeSending) {
  EXPECT_EQ(http_request({.url = ""}).error().kind, Error::Kind::invalid_input);
  auto injected = http_request({.url = http.url("/hello"), .headers = {{"X-A", "1\r\nX-B: 2"}}});
  ASSERT_FALSE(injected.has_value());
  EXPECT_EQ(injected.error().kind, Error::Kind::invalid_input);
  auto scheme = http_request({.url = "file:///etc/passwd"});
  ASSERT_FALSE(scheme.has_value());  // only http and https
}

TEST(HttpClientUnixSocket, TalksHttpOverAUnixSocket) {
  fixtures::TempDir dir;
  const std::string path = (dir.path() / "http.sock").string();
  const int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  std::string seen;
  std::thread server([&] {
    const int fd = accept(listener, nullptr, nullptr);
    char buffer[4096];
    while (seen.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n <= 0) break;
      seen.append(buffer, static_cast<std::size_t>(n));
    }
    const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    EXPECT_EQ(write(fd, reply.data(), reply.size()), static_cast<ssize_t>(reply.size()));
    close(fd);
  });
  auto response = http_request({.url = "http://localhost/status", .unix_socket = path});
  server.join();
  close(listener);
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->body, "ok");
  EXPECT_TRUE(seen.starts_with("GET /status HTTP/1.1\r\n")) << seen;
}

// TLS: a server with a self-signed certificate for "localhost".
class HttpsClientTest : public ::testing::Test {
 protected:
  static std::pair<std::string, common::crypto::Key> identity(const std::string& name) {
    auto key = common::crypto::generate_p256().value();
    auto pem = common::x509::self_signed_pem(key.get(), {name}, std::chrono::hours(1)).value();
    return {pem, std::move(key)};
  }
  void SetUp() override {
    auto [pem, key] = identity("localhost");
    cert_pem = pem;
    auto chain = common::x509::parse_chain_pem(pem).value();
    https = std::make_unique<Running<httplib::SSLServer>>(chain[0].get(), key.get());
    https->server.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("secure", "text/plain");
    });
    https->start();
    url = "https://localhost:" + std::to_string(https->port) + "/";
  }
  std::string cert_pem;
  std::string url;
  std::unique_ptr<Running<httplib::SSLServer>> https;
};

TEST_F(HttpsClientTest, UntrustedCertificateIsRefused) {
  auto response = http_request({.url = url});
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().kind, Error::Kind::environment);
}

TEST_F(HttpsClientTest, ExtraAnchorIsTrustedWithOrWithoutTheSystemBundle) {
  auto added = http_request({.url = url, .ca_pem = cert_pem});
  ASSERT_TRUE(added.has_value()) << added.error().message;
  EXPECT_EQ(added->body, "secure");
  auto only = http_request({.url = url, .ca_pem = cert_pem, .only_ca_pem = true});
  ASSERT_TRUE(only.has_value()) << only.error().message;

  auto [other_pem, other_key] = identity("localhost");
  auto wrong = http_request({.url = url, .ca_pem = other_pem, .only_ca_pem = true});
  EXPECT_FALSE(wrong.has_value());
}

TEST_F(HttpsClientTest, HostNameIsChecked) {
  auto by_ip = http_request(
      {.url = "https://127.0.0.1:" + std::to_string(https->port) + "/", .ca_pem = cert_pem});
  EXPECT_FALSE(by_ip.has_value());  // the certificate names localhost only
  auto unchecked = http_request(
      {.url = "https://127.0.0.1:" + std::to_string(https->port) + "/", .verify_tls = false});
  EXPECT_TRUE(unchecked.has_value());  // the test says why: checking the switch itself
}

TEST_F(HttpsClientTest, CapturesThePeerCertificate) {
  auto response = http_request({.url = url, .ca_pem = cert_pem, .capture_peer_certificate = true});
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->peer_certificate_pem, cert_pem);
}

TEST_F(HttpsClientTest, ConnectToReachesANameAtAnotherAddress) {
  // The name stays "login.test" for TLS while the connection goes to us.
  auto [pem, key] = identity("login.test");
  auto chain = common::x509::parse_chain_pem(pem).value();
  Running<httplib::SSLServer> named(chain[0].get(), key.get());
  named.server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("named", "text/plain");
  });
  named.start();
  auto response =
      http_request({.url = "https://login.test/",
                    .ca_pem = pem,
                    .only_ca_pem = true,
                    .connect_to = {"login.test:443:127.0.0.1:" + std::to_string(named.port)}});
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->body, "named");
}

TEST(UrlEncoding, PercentEncodesAllButUnreserved) {
  EXPECT_EQ(common::url_encode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(common::url_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(common::url_encode(std::string("\0", 1)), "%00");
  EXPECT_EQ(common::form_encode(
                {{"grant_type", "authorization_code"}, {"redirect_uri", "https://x.test/cb?a=1"}}),
            "grant_type=authorization_code&redirect_uri=https%3A%2F%2Fx.test%2Fcb%3Fa%3D1");
  EXPECT_EQ(common::form_encode({}), "");
}

}  // namespace
