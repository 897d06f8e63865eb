#include "acmed/chain_selection.hpp"

#include <openssl/objects.h>
#include <openssl/x509.h>

#include "common/x509.hpp"

namespace acmed {
namespace {

std::string common_name(X509_NAME* name) {
  if (name == nullptr) return {};
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, index);
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return {};
  std::string text(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return text;
}

}  // namespace

bool chain_matches_issuer(std::string_view chain_pem, std::string_view preferred_issuer) {
  auto chain = common::x509::parse_chain_pem(chain_pem);
  if (!chain || chain->empty()) return false;
  if (common_name(X509_get_issuer_name(chain->back().get())) == preferred_issuer) return true;
  for (const auto& certificate : *chain) {
    if (common_name(X509_get_subject_name(certificate.get())) == preferred_issuer) return true;
  }
  return false;
}

}  // namespace acmed
