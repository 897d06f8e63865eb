#pragma once
// Checks attestd's evidence (the JSON of GET /v1/attestation) against what
// the operator expects. It never talks to a TPM or the network: the caller
// fetches the evidence and says which nonce it sent and which TLS key it saw.
// A VerifiedAttestation comes out only when every check passed, and it holds
// only what the checks proved. It fails closed: without a trust anchor for
// the attestation key (a pinned key or CA certificates), or without the
// build's measurements, the verdict is never PASS.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/json.hpp"
#include "attestd/verify/ak_trust.hpp"
#include "attestd/verify/boot_events.hpp"
#include "attestd/verify/evidence.hpp"
#include "attestd/verify/measurements.hpp"
#include "attestd/verify/runtime_log.hpp"

namespace attest {

struct Expectations {
  std::string nonce;                               // raw bytes the verifier sent
  BuildMeasurements build;                         // from measurements.json
  std::optional<std::string> pinned_ak_pem;        // --ak-pub
  std::shared_ptr<const AkAnchors> ak_anchors;     // Google's, or --ak-ca; null: none
  std::optional<std::string> instance;             // --instance PROJECT/ZONE/NAME-OR-ID
  bool require_secure_boot = false;                // --require-secure-boot
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
  std::string ak_anchor;  // how the AK is trusted
  std::optional<GceInstanceIdentity> instance;
  SecureBootState secure_boot;
};

struct VerificationReport {
  std::vector<Check> checks;
  std::optional<VerifiedAttestation> verified;  // set only when all checks passed
  bool evidence_malformed = false;              // the answer could not even be read
  bool passed() const { return verified.has_value(); }
};

VerificationReport verify_attestation(const common::json& evidence, const Expectations& expected);

// Quoted PCRs the verifier insists on: the firmware's 0-9 (replayed from the
// log), systemd-stub's 11, and the configuration PCR.
std::vector<unsigned> required_quoted_pcrs(unsigned config_pcr);

common::json report_json(const VerificationReport& report);
// Text for a terminal; every string that came from the server is escaped so
// that it cannot draw lines of its own.
std::string report_text(const VerificationReport& report);
std::string printable(std::string_view untrusted);

}  // namespace attest
