#include "common/certificate_follower.hpp"

#include <algorithm>

#include "common/crypto.hpp"
#include "common/log.hpp"
#include "common/x509.hpp"

namespace common {

CertificateDecision decide_certificate(const std::optional<CertificateStore::Summary>& current,
                                       bool incoming_self_signed,
                                       const std::vector<std::string>& incoming_names,
                                       std::chrono::sys_seconds now) {
  if (!current || current->self_signed || !incoming_self_signed) {
    return CertificateDecision::install;
  }
  if (current->not_after <= now) return CertificateDecision::install;
  // A self-signed certificate for names the CA's does not cover is a change
  // of domain, not a step back: the old certificate is no use for it.
  const bool same_names = std::all_of(
      incoming_names.begin(), incoming_names.end(), [&](const std::string& name) {
        return std::find(current->dns_names.begin(), current->dns_names.end(), name) !=
               current->dns_names.end();
      });
  return same_names ? CertificateDecision::keep_current : CertificateDecision::install;
}

Result<bool> accept_certificate(CertificateStore& store, const contract::Certificate& incoming,
                                std::chrono::sys_seconds now) {
  constexpr std::string_view kWhat = "unable to use acmed's certificate";
  auto leaf = x509::describe_leaf_pem(incoming.chain_pem);
  if (!leaf) return std::unexpected(wrap(leaf.error(), kWhat));
  if (crypto::hex(leaf->spki_sha256) != incoming.spki_sha256) {
    return fail(Error::Kind::invalid_input,
                std::string(kWhat) + ": spki_sha256 is not the leaf's key digest");
  }
  if (leaf->not_after.time_since_epoch().count() != incoming.not_after) {
    return fail(Error::Kind::invalid_input, std::string(kWhat) + ": not_after is not the leaf's");
  }
  if (decide_certificate(store.summary(), incoming.self_signed, leaf->dns_names, now) ==
      CertificateDecision::keep_current) {
    return false;
  }
  // update() also proves that the key is the leaf's key.
  auto updated = store.update(incoming.chain_pem, incoming.key_pem, incoming.self_signed);
  if (!updated) return std::unexpected(updated.error());
  return true;
}

std::unique_ptr<ipc::Subscriber> follow_acmed_certificate(
    boost::asio::io_context& io, std::shared_ptr<CertificateStore> store,
    std::function<void()> on_installed) {
  return ipc::follow<contract::Certificate>(
      io, contract::acmed::certificate_feed,
      [store, on_installed = std::move(on_installed)](contract::Certificate incoming) {
        const auto now = std::chrono::time_point_cast<std::chrono::seconds>(
            std::chrono::system_clock::now());
        auto installed = accept_certificate(*store, incoming, now);
        if (!installed) {
          log::warning(log::Event{"certificate.rejected"}, "unable to use acmed's certificate",
                       {{"reason", installed.error().message}});
          return;
        }
        if (!*installed) {
          log::notice(log::Event{"certificate.kept"},
                      "keeping the CA's certificate over a self-signed one",
                      {{"spki_sha256", store->spki_sha256_hex()}});
          return;
        }
        log::info(log::Event{"certificate.installed"}, "serving acmed's certificate",
                  {{"spki_sha256", store->spki_sha256_hex()},
                   {"self_signed", incoming.self_signed}});
        if (on_installed) on_installed();
      });
}

}  // namespace common
