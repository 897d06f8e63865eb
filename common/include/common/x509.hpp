#pragma once
// Certificates: the bootstrap self-signed certificate, CSRs for ACME, and the
// facts about a PEM chain that the daemons need.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.hpp"
#include "common/error.hpp"

namespace common::x509 {

// A self-signed certificate for names (first one is the CN) valid from
// now - 1 h for `validity`.
Result<std::string> self_signed_pem(EVP_PKEY* key, const std::vector<std::string>& names,
                                    std::chrono::seconds validity);
// DER CSR with the names as subjectAltName DNS entries.
Result<std::string> csr_der(EVP_PKEY* key, const std::vector<std::string>& names);

struct CertificateInfo {
  std::chrono::sys_seconds not_before;
  std::chrono::sys_seconds not_after;
  std::string subject;
  std::string issuer;
  std::vector<std::string> dns_names;
  std::string spki_sha256;  // raw 32 bytes
  std::string serial_hex;
};

// Splits a PEM bundle into its certificates, in order.
Result<std::vector<crypto::Certificate>> parse_chain_pem(std::string_view pem);
Result<CertificateInfo> describe(X509* certificate);
// The first certificate of a PEM chain.
Result<CertificateInfo> describe_leaf_pem(std::string_view chain_pem);
Result<std::string> to_pem(X509* certificate);

}  // namespace common::x509
