#pragma once
// Checks attestd's evidence (the JSON of GET /v1/attestation) against what
// the operator expects. It never talks to a TPM or the network: the caller
// fetches the evidence and says which nonce it sent and which TLS key it saw.
// A VerifiedAttestation comes out only when every check passed.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/json.hpp"
#include "verify/runtime_log.hpp"

namespace attest {

struct Expectations {
  std::string nonce;                               // raw bytes the verifier sent
  std::map<unsigned, std::string> pcrs;            // from measurements.json (raw values)
  std::optional<std::string> pinned_ak_pem;        // --ak-pub
  unsigned config_pcr = kDefaultConfigPcr;         // where the runtime log must replay
  std::optional<std::string> tls_spki_sha256_hex;  // of the connection's leaf certificate
  // When the operator fetched authd's /jwks.json: the SHA-256 (hex) of the
  // bytes it got and of the TLS key that served them. Checked only if set.
  std::optional<std::string> jwks_sha256_hex;
  std::optional<std::string> jwks_tls_spki_sha256_hex;
};

struct Check {
  std::string name;
  bool passed = false;
  std::string detail;
};

struct VerifiedAttestation {
  std::map<unsigned, std::string> pcrs;  // raw values, proven by the quote
  ConfigValues config;                   // runtime configuration, proven by replay
  common::json bindings;
  std::string ak_public_pem;
  bool ak_pinned = false;
};

struct VerificationReport {
  std::vector<Check> checks;
  std::optional<VerifiedAttestation> verified;  // set only when all checks passed
  bool passed() const { return verified.has_value(); }
};

VerificationReport verify_attestation(const common::json& evidence, const Expectations& expected);

// measurements.json as the image build writes it:
//   {"pcrs": {"sha256": {"<index>": "<hex>", ...}}, ...}
common::Result<std::map<unsigned, std::string>> parse_measurements(const common::json& document);

common::json report_json(const VerificationReport& report);
std::string report_text(const VerificationReport& report);

}  // namespace attest
