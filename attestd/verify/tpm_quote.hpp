#pragma once
// Parsing and checking of what TPM2_Quote produced, without a TPM: the
// marshalled TPMS_ATTEST (as `tpm2_quote -m` writes it) and TPMT_SIGNATURE
// (as `tpm2_quote -s` writes it). Unmarshalling is tpm2-tss's MU library;
// the signature is checked with OpenSSL against the AK's public key.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "common/error.hpp"

namespace attest {

struct QuotedPcrs {
  std::uint16_t hash_alg = 0;     // TPM_ALG_ID of the bank
  std::vector<unsigned> indices;  // in the order the TPM hashed them
};

struct ParsedQuote {
  std::string extra_data;  // qualifyingData as the TPM saw it
  std::vector<QuotedPcrs> selections;
  std::string pcr_digest;  // hash of the selected PCR values
  std::uint64_t clock = 0;
  std::uint32_t reset_count = 0;
  std::uint32_t restart_count = 0;
  std::uint64_t firmware_version = 0;
};

// Unmarshals the TPMS_ATTEST and checks that it is a quote the TPM made
// (magic TPM_GENERATED_VALUE, type TPM_ST_ATTEST_QUOTE) and that no bytes trail.
common::Result<ParsedQuote> parse_quote(std::string_view attest_bytes);

// Checks that `signature` (a marshalled TPMT_SIGNATURE: ECDSA, RSASSA or
// RSAPSS with SHA-256) is the AK's signature over attest_bytes.
common::Status verify_quote_signature(EVP_PKEY* ak, std::string_view attest_bytes,
                                      std::string_view signature);

// The digest TPM2_Quote computes over the selected PCRs: SHA-256 over the
// concatenation of the values in selection order. Missing values are an error.
common::Result<std::string> expected_pcr_digest(const std::vector<QuotedPcrs>& selections,
                                                const std::map<unsigned, std::string>& values);

}  // namespace attest
