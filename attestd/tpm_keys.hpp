#pragma once
// The keys attestd needs from the TPM, all primaries of the endorsement
// hierarchy (so they are re-derived identically after every reboot):
// - the attestation key (AK): from Google's template in NV when the TPM is a
//   GCE vTPM (then it equals `gcloud compute instances get-shielded-identity`'s
//   signingKey), else a restricted ECC P-256 ECDSA-SHA256 signing key;
// - the endorsement key (EK), from the TCG EK Credential Profile's default
//   ECC template, reported with its certificate from NV when present.

#include <initializer_list>
#include <optional>
#include <string>

#include <tss2/tss2_esys.h>

#include "common/error.hpp"
#include "common/tpm_context.hpp"

namespace attestd {

// NV indices (TCG EK Credential Profile; Google's Shielded VM conventions).
inline constexpr TPM2_HANDLE kNvEkCertRsa = 0x01c00002;
inline constexpr TPM2_HANDLE kNvEkCertEcc = 0x01c0000a;
inline constexpr TPM2_HANDLE kNvGceAkTemplateRsa = 0x01c10001;
inline constexpr TPM2_HANDLE kNvGceAkTemplateEcc = 0x01c10003;
inline constexpr TPM2_HANDLE kNvGceAkCertRsa = 0x01c10000;
inline constexpr TPM2_HANDLE kNvGceAkCertEcc = 0x01c10002;

// Reads a whole NV index; Kind::not_found when it is not defined.
common::Result<std::string> read_nv(ESYS_CONTEXT* esys, TPM2_HANDLE index);

// The AK template: Google's from NV (ECC preferred), else our default.
struct AkTemplate {
  TPM2B_PUBLIC public_area{};
  std::string source;  // "gce-nv-ecc", "gce-nv-rsa" or "default-ecc"
  // Where GCE keeps the certificate of the AK made from this template.
  std::optional<TPM2_HANDLE> certificate_index;
};
common::Result<AkTemplate> attestation_key_template(ESYS_CONTEXT* esys);
TPM2B_PUBLIC default_ak_template();
TPM2B_PUBLIC ek_ecc_template();  // TCG EK Credential Profile template L-2

// Creates a primary key under the endorsement hierarchy (empty auth).
struct PrimaryKey {
  ESYS_TR handle = ESYS_TR_NONE;
  TPM2B_PUBLIC public_area{};
};
common::Result<PrimaryKey> create_endorsement_primary(ESYS_CONTEXT* esys,
                                                      const TPM2B_PUBLIC& key_template);

// SubjectPublicKeyInfo PEM of a TPM ECC or RSA public area.
common::Result<std::string> public_area_pem(const TPMT_PUBLIC& public_area);

// The EK certificate (DER in NV) as PEM, ECC preferred; nullopt when absent.
common::Result<std::optional<std::string>> ek_certificate_pem(ESYS_CONTEXT* esys);
// The certificate (DER in NV) at the first defined index, as PEM; nullopt
// when none is defined.
common::Result<std::optional<std::string>> nv_certificate_pem(
    ESYS_CONTEXT* esys, std::initializer_list<TPM2_HANDLE> indices);

}  // namespace attestd
