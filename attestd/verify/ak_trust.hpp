#pragma once
// Is the attestation key a genuine vTPM key? GCE provisions a certificate
// for the AK into the vTPM's NV, signed by Google's EK/AK CA and naming the
// instance. This checks such a certificate against trust anchors: the chain
// verifies (OpenSSL, at the current time), the certificate is an end-entity
// one, its key is the AK that signed the quote, and its instance identity
// extension (if any) parses. Without anchors nothing is trusted.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "common/crypto.hpp"
#include "common/error.hpp"
#include "attestd/verify/instance_identity.hpp"

namespace attest {

struct AkAnchors {
  std::vector<common::crypto::Certificate> trusted;        // chains must end here
  std::vector<common::crypto::Certificate> intermediates;  // may help build chains
  // Trust any certificate of `trusted`, not only self-signed roots (an
  // operator's --ak-ca may name an intermediate).
  bool partial_chains = false;
  std::string description;
};

// Google's roots and intermediates, built into the verifier.
common::Result<AkAnchors> google_ak_anchors();
// Every certificate of a PEM bundle is trusted (--ak-ca FILE).
common::Result<AkAnchors> ak_anchors_from_pem(std::string_view pem, std::string description);

struct VerifiedAkCertificate {
  std::string subject;
  std::string issuer;
  std::optional<GceInstanceIdentity> identity;
};

common::Result<VerifiedAkCertificate> verify_ak_certificate(std::string_view certificate_pem,
                                                            EVP_PKEY* ak, const AkAnchors& anchors);

}  // namespace attest
