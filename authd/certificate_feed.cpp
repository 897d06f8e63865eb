#include "authd/certificate_feed.hpp"

#include <chrono>
#include <fstream>
#include <iterator>

#include "common/crypto.hpp"
#include "common/ipc_contracts.hpp"
#include "common/log.hpp"
#include "common/x509.hpp"

namespace authd {

common::Status install_bootstrap_certificate(common::CertificateStore& store,
                                             const std::string& domain) {
  auto key = common::crypto::generate_p256();
  if (!key) return std::unexpected(common::wrap(key.error(), "unable to make bootstrap key"));
  const std::string host =
      domain.substr(0, domain.rfind(':') == std::string::npos ? domain.size() : domain.rfind(':'));
  auto cert = common::x509::self_signed_pem(key->get(), {host}, std::chrono::hours(24 * 90));
  if (!cert) return std::unexpected(common::wrap(cert.error(), "unable to make bootstrap cert"));
  auto key_pem = common::crypto::private_key_pem(key->get());
  if (!key_pem) return std::unexpected(key_pem.error());
  return store.update(*cert, *key_pem);
}

common::Status install_certificate_files(common::CertificateStore& store,
                                         const std::string& chain_file,
                                         const std::string& key_file) {
  auto read = [](const std::string& path) -> common::Result<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return common::fail(common::Error::Kind::invalid_input, "unable to read " + path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  auto chain = read(chain_file);
  if (!chain) return std::unexpected(chain.error());
  auto key = read(key_file);
  if (!key) return std::unexpected(key.error());
  return store.update(*chain, *key);
}

std::unique_ptr<common::ipc::Subscriber> follow_acmed(
    boost::asio::io_context& io, std::shared_ptr<common::CertificateStore> store) {
  namespace contract = common::contract::acmed;
  auto subscriber = std::make_unique<common::ipc::Subscriber>(
      io, common::contract::socket_path(contract::socket), std::string(contract::certificate_get),
      std::string(contract::certificate_updated), [store](const common::json& value) {
        auto chain = common::string_field(value, "chain_pem");
        auto key = common::string_field(value, "key_pem");
        if (!chain || !key) {
          common::log::warning("acmed sent a certificate without chain_pem/key_pem");
          return;
        }
        if (auto updated = store->update(*chain, *key); !updated) {
          common::log::warning("unable to use acmed's certificate",
                               {{"reason", updated.error().message}});
          return;
        }
        common::log::info("serving acmed's certificate",
                          {{"spki_sha256", store->spki_sha256_hex()}});
      });
  subscriber->start();
  return subscriber;
}

}  // namespace authd
