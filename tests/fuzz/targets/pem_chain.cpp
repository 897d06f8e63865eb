// The certificate chain the ACME CA sends (PEM), as acmed, attestd and authd
// read it: common/x509's chain parser and leaf description, acmed's issuer
// preference and ARI certificate id.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "acmed/chain_selection.hpp"
#include "acmed/renewal_info.hpp"
#include "common/x509.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view pem(reinterpret_cast<const char*>(data), size);
  if (auto chain = common::x509::parse_chain_pem(pem)) {
    for (const auto& certificate : *chain) (void)common::x509::describe(certificate.get());
  }
  (void)common::x509::describe_leaf_pem(pem);
  (void)acmed::chain_matches_issuer(pem, "ISRG Root X1");
  (void)acmed::ari_certificate_id(pem);
  return 0;
}
