// TLS sessions on the public server's context (configure_server_tls), with
// a real OpenSSL client over an in-memory BIO pair: sessions resume from the
// tickets the client keeps (TLS 1.3 and 1.2), as nginx does by default
// (ssl_session_tickets on), so a client that reconnects skips the
// certificate signature and key exchange.
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <gtest/gtest.h>

#include <memory>

#include "common/crypto.hpp"
#include "common/tls_identity.hpp"
#include "common/x509.hpp"

namespace {

struct CtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct SessionFree {
  void operator()(SSL_SESSION* session) const { SSL_SESSION_free(session); }
};
using Ctx = std::unique_ptr<SSL_CTX, CtxFree>;
using Ssl = std::unique_ptr<SSL, SslFree>;
using Session = std::unique_ptr<SSL_SESSION, SessionFree>;

class TlsSessions : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = common::crypto::generate_p256().value();
    ASSERT_TRUE(store_.update(
        common::x509::self_signed_pem(key.get(), {"localhost"}, std::chrono::hours(1)).value(),
        common::crypto::private_key_pem(key.get()).value()));
    server_.reset(SSL_CTX_new(TLS_server_method()));
    ASSERT_TRUE(common::configure_server_tls(*server_, &store_));
    client_.reset(SSL_CTX_new(TLS_client_method()));
  }

  // One connection: handshake, one byte of application data (which carries
  // TLS 1.3's tickets to the client), then the client's session.
  Session connect(SSL_SESSION* resume, int max_version, bool* reused) {
    SSL_CTX_set_max_proto_version(client_.get(), max_version);
    Ssl client(SSL_new(client_.get()));
    Ssl server(SSL_new(server_.get()));
    BIO* client_bio = nullptr;
    BIO* server_bio = nullptr;
    EXPECT_EQ(BIO_new_bio_pair(&client_bio, 0, &server_bio, 0), 1);
    SSL_set_bio(client.get(), client_bio, client_bio);
    SSL_set_bio(server.get(), server_bio, server_bio);
    SSL_set_connect_state(client.get());
    SSL_set_accept_state(server.get());
    if (resume != nullptr) SSL_set_session(client.get(), resume);
    bool client_done = false;
    bool server_done = false;
    for (int round = 0; round < 20 && !(client_done && server_done); ++round) {
      client_done = client_done || SSL_do_handshake(client.get()) == 1;
      server_done = server_done || SSL_do_handshake(server.get()) == 1;
    }
    EXPECT_TRUE(client_done && server_done);
    char byte = 'x';
    EXPECT_EQ(SSL_write(server.get(), &byte, 1), 1);
    EXPECT_EQ(SSL_read(client.get(), &byte, 1), 1);
    *reused = SSL_session_reused(client.get()) == 1;
    // A client ends with close_notify (wrk does); without it OpenSSL marks
    // the session not resumable.
    SSL_shutdown(client.get());
    return Session(SSL_get1_session(client.get()));
  }

  common::CertificateStore store_;
  Ctx server_;
  Ctx client_;
};

TEST_F(TlsSessions, ResumeFromTicketsWithTls13AndTls12) {
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    bool reused = true;
    Session first = connect(nullptr, version, &reused);
    ASSERT_TRUE(first);
    EXPECT_FALSE(reused);
    Session second = connect(first.get(), version, &reused);
    EXPECT_TRUE(reused) << "TLS version " << std::hex << version;
  }
}

}  // namespace
