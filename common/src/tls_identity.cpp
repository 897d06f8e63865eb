#include "common/tls_identity.hpp"

#include <openssl/err.h>

#include "common/crypto.hpp"
#include "common/x509.hpp"

namespace common {

struct ChainDeleter {
  void operator()(STACK_OF(X509) * chain) const { sk_X509_pop_free(chain, X509_free); }
};

// One immutable certificate+key pair. Handshakes hold a shared_ptr to it
// only while installing it on their SSL (which takes its own references), so
// a swap never pulls a certificate from under a connection.
struct CertificateStore::Identity {
  crypto::Certificate leaf;
  std::unique_ptr<STACK_OF(X509), ChainDeleter> intermediates;
  crypto::Key key;
  CertificateStore::Summary summary;
};

namespace {

// Forward secrecy and AEAD only; TLS 1.3 suites are OpenSSL's defaults.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// Called by OpenSSL for each handshake, after the ClientHello: installs the
// store's current identity on this connection. Without one the handshake
// fails (the client sees an alert), which is the clean answer before acmed
// has handed us a certificate.
int install_current_identity(SSL* ssl, void* arg) {
  const auto* store = static_cast<const CertificateStore*>(arg);
  const auto identity = store->current();
  if (!identity) return 0;
  if (SSL_use_cert_and_key(ssl, identity->leaf.get(), identity->key.get(),
                           identity->intermediates.get(), 1) != 1) {
    ERR_clear_error();
    return 0;
  }
  return 1;
}

}  // namespace

bool configure_server_tls(SSL_CTX& ctx, const CertificateStore* store) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      &ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(&ctx, kTls12Ciphers) != 1) return false;
  // Idle keep-alive connections give their read and write buffers back.
  SSL_CTX_set_mode(&ctx, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_cert_cb(&ctx, install_current_identity, const_cast<CertificateStore*>(store));
  return true;
}

Status CertificateStore::update(std::string_view chain_pem, std::string_view key_pem,
                                bool self_signed) {
  constexpr std::string_view kWhat = "unable to install the TLS certificate";
  auto chain = x509::parse_chain_pem(chain_pem);
  if (!chain) return std::unexpected(wrap(chain.error(), kWhat));
  auto key = crypto::load_private_key_pem(key_pem);
  if (!key) return std::unexpected(wrap(key.error(), kWhat));
  // A mismatched pair would fail every handshake; refuse it and keep the
  // identity we have.
  if (X509_check_private_key(chain->front().get(), key->get()) != 1) {
    ERR_clear_error();
    return fail(Error::Kind::invalid_input,
                std::string(kWhat) + ": the key does not match the certificate");
  }
  auto spki = crypto::spki_sha256(key->get());
  if (!spki) return std::unexpected(wrap(spki.error(), kWhat));
  auto leaf = x509::describe_leaf_pem(chain_pem);
  if (!leaf) return std::unexpected(wrap(leaf.error(), kWhat));

  auto identity = std::make_shared<Identity>();
  identity->intermediates.reset(sk_X509_new_null());
  if (!identity->intermediates) return fail(Error::Kind::internal, std::string(kWhat));
  for (std::size_t i = 1; i < chain->size(); ++i) {
    if (sk_X509_push(identity->intermediates.get(), (*chain)[i].get()) == 0) {
      return fail(Error::Kind::internal, std::string(kWhat));
    }
    static_cast<void>((*chain)[i].release());  // now owned by the stack
  }
  identity->leaf = std::move(chain->front());
  identity->key = std::move(*key);
  identity->summary = {self_signed, leaf->not_after, leaf->dns_names, crypto::hex(*spki)};

  std::lock_guard lock(mutex_);
  current_ = std::move(identity);
  return {};
}

bool CertificateStore::has_identity() const { return current() != nullptr; }

std::string CertificateStore::spki_sha256_hex() const {
  const auto identity = current();
  return identity ? identity->summary.spki_sha256_hex : std::string();
}

std::optional<CertificateStore::Summary> CertificateStore::summary() const {
  const auto identity = current();
  if (!identity) return std::nullopt;
  return identity->summary;
}

std::shared_ptr<const CertificateStore::Identity> CertificateStore::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

}  // namespace common
