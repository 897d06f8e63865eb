// The TLS face of the public server (common/tls_identity.hpp with
// common/http_server.hpp): hot certificate swap seen by a real TLS client,
// TLS 1.2 minimum checked with the OpenSSL command line, the chain sent in
// order, request-size limits, and serving on a socket bound before the
// server existed (as init hands over).
#include "common/http_server.hpp"
#include "common/listen_fds.hpp"

#include <openssl/ssl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "common/crypto.hpp"
#include "common/http_client.hpp"
#include "common/x509.hpp"
#include "fixtures/process.hpp"

namespace {

using common::CertificateStore;

struct Identity {
  std::string cert_pem;
  std::string key_pem;
};

Identity make_identity(const std::string& name = "localhost") {
  auto key = common::crypto::generate_p256().value();
  return {common::x509::self_signed_pem(key.get(), {name}, std::chrono::hours(1)).value(),
          common::crypto::private_key_pem(key.get()).value()};
}

// Serves `server` on a thread until the test ends.
class Serving {
 public:
  explicit Serving(common::http::Server& server) : server_(server) {
    thread_ = std::thread([this] { server_.run(); });
  }
  ~Serving() {
    server_.stop();
    thread_.join();
  }

 private:
  common::http::Server& server_;
  std::thread thread_;
};

common::http::Router hello_router() {
  common::http::Router router;
  router.get("/", [](const common::http::Request&, common::http::Response& res) {
    res.set_content("hello", "text/plain");
  });
  router.post("/upload", [](const common::http::Request& req, common::http::Response& res) {
    res.set_content(std::to_string(req.body.size()), "text/plain");
  });
  return router;
}

class HttpsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    common::http::ServerOptions options;
    options.max_body_bytes = 1024;
    options.worker_threads = 4;
    server = std::make_unique<common::http::Server>(hello_router(), store, options);
    auto bound = server->bind("127.0.0.1", 0);
    ASSERT_TRUE(bound.has_value()) << bound.error().message;
    port = *bound;
  }

  common::Result<common::HttpResponse> get(const Identity& trusted, const std::string& path = "/") {
    return common::http_request({.url = "https://localhost:" + std::to_string(port) + path,
                                 .timeout = std::chrono::seconds(5),
                                 .ca_pem = trusted.cert_pem,
                                 .only_ca_pem = true,
                                 .capture_peer_certificate = true});
  }

  std::shared_ptr<CertificateStore> store = std::make_shared<CertificateStore>();
  std::unique_ptr<common::http::Server> server;
  int port = 0;
};

TEST_F(HttpsServerTest, SwappedCertificateServesTheNextConnection) {
  const Identity first = make_identity();
  const Identity second = make_identity();
  ASSERT_TRUE(store->update(first.cert_pem, first.key_pem).has_value());
  const std::string first_spki = store->spki_sha256_hex();
  Serving serving(*server);

  auto before = get(first);
  ASSERT_TRUE(before.has_value()) << before.error().message;
  EXPECT_EQ(before->body, "hello");
  EXPECT_EQ(before->peer_certificate_pem, first.cert_pem);

  ASSERT_TRUE(store->update(second.cert_pem, second.key_pem).has_value());
  auto after = get(second);
  ASSERT_TRUE(after.has_value()) << after.error().message;
  EXPECT_EQ(after->peer_certificate_pem, second.cert_pem);
  EXPECT_NE(store->spki_sha256_hex(), first_spki);
  EXPECT_EQ(store->spki_sha256_hex(),
            common::crypto::hex(common::x509::describe_leaf_pem(second.cert_pem)->spki_sha256));
  EXPECT_FALSE(get(first).has_value());  // the old certificate is gone for new handshakes
}

TEST_F(HttpsServerTest, HandshakesFailCleanlyUntilThereIsACertificate) {
  Serving serving(*server);
  EXPECT_FALSE(store->has_identity());
  EXPECT_EQ(store->spki_sha256_hex(), "");
  const Identity identity = make_identity();
  auto refused = get(identity);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, common::Error::Kind::environment);

  ASSERT_TRUE(store->update(identity.cert_pem, identity.key_pem).has_value());
  auto served = get(identity);
  ASSERT_TRUE(served.has_value()) << served.error().message;  // the server kept going
}

TEST_F(HttpsServerTest, RefusesAMismatchedOrBrokenPairAndKeepsTheOldOne) {
  const Identity good = make_identity();
  const Identity other = make_identity();
  ASSERT_TRUE(store->update(good.cert_pem, good.key_pem).has_value());
  auto mismatched = store->update(good.cert_pem, other.key_pem);
  ASSERT_FALSE(mismatched.has_value());
  EXPECT_EQ(mismatched.error().kind, common::Error::Kind::invalid_input);
  EXPECT_FALSE(store->update("junk", good.key_pem).has_value());
  EXPECT_FALSE(store->update(good.cert_pem, "junk").has_value());
  Serving serving(*server);
  auto response = get(good);
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->peer_certificate_pem, good.cert_pem);
}

TEST_F(HttpsServerTest, SendsTheIntermediatesAfterTheLeaf) {
  // A two-certificate "chain" (the second self-signed too): the server must
  // send both, in order, which `openssl s_client -showcerts` prints.
  const Identity leaf = make_identity();
  const Identity intermediate = make_identity("intermediate.test");
  ASSERT_TRUE(store->update(leaf.cert_pem + intermediate.cert_pem, leaf.key_pem).has_value());
  Serving serving(*server);
  auto out = fixtures::run_command(
      {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-showcerts"},
      std::chrono::seconds(20));
  const auto first = out.output.find(leaf.cert_pem);
  const auto second = out.output.find(intermediate.cert_pem);
  EXPECT_NE(first, std::string::npos) << out.output;
  EXPECT_NE(second, std::string::npos) << out.output;
  EXPECT_LT(first, second);
}

TEST_F(HttpsServerTest, RefusesTls11AndAcceptsTls12) {
  const Identity identity = make_identity();
  ASSERT_TRUE(store->update(identity.cert_pem, identity.key_pem).has_value());
  Serving serving(*server);
  const std::string target = "127.0.0.1:" + std::to_string(port);
  // SECLEVEL=0 lets the client offer TLS 1.1 at all; the refusal is the server's.
  auto old = fixtures::run_command(
      {"openssl", "s_client", "-connect", target, "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"},
      std::chrono::seconds(20));
  EXPECT_NE(old.exit_code, 0) << old.output;
  auto current = fixtures::run_command({"openssl", "s_client", "-connect", target, "-tls1_2"},
                                       std::chrono::seconds(20));
  EXPECT_EQ(current.exit_code, 0) << current.output;
  EXPECT_NE(current.output.find("Protocol  : TLSv1.2"), std::string::npos) << current.output;
}

TEST_F(HttpsServerTest, RefusesOversizedBodies) {
  const Identity identity = make_identity();
  ASSERT_TRUE(store->update(identity.cert_pem, identity.key_pem).has_value());
  Serving serving(*server);
  auto post = [&](std::size_t size) {
    return common::http_request({.method = "POST",
                                 .url = "https://localhost:" + std::to_string(port) + "/upload",
                                 .body = std::string(size, 'x'),
                                 .ca_pem = identity.cert_pem,
                                 .only_ca_pem = true});
  };
  auto small = post(1000);
  ASSERT_TRUE(small.has_value()) << small.error().message;
  EXPECT_EQ(small->body, "1000");
  auto big = post(100000);
  ASSERT_TRUE(big.has_value()) << big.error().message;
  EXPECT_EQ(big->status, 413);
}

TEST(HttpsServerFd, ServesASocketBoundBeforehand) {
  // As init does: bind first (here in the test), hand the fd over.
  auto fd = common::bind_tcp_listener("127.0.0.1", 0);
  ASSERT_TRUE(fd.has_value());
  const int port = common::local_port(*fd).value();
  auto store = std::make_shared<CertificateStore>();
  const Identity identity = make_identity();
  ASSERT_TRUE(store->update(identity.cert_pem, identity.key_pem).has_value());
  common::http::Router router;
  router.get("/", [](const common::http::Request&, common::http::Response& res) {
    res.set_content("inherited", "text/plain");
  });
  common::http::Server server(std::move(router), store);
  ASSERT_TRUE(server.adopt(*fd));
  Serving serving(server);
  auto response = common::http_request({.url = "https://localhost:" + std::to_string(port) + "/",
                                        .ca_pem = identity.cert_pem,
                                        .only_ca_pem = true});
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->body, "inherited");
}

}  // namespace
