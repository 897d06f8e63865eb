#pragma once
// The attestation evidence: what attestd answers to GET /v1/attestation and
// what attest-verify decodes, declared once for both trust sides. attestd
// fills an Evidence and serialises it with evidence_json(); the verifier
// reads untrusted JSON with parse_evidence(), which never throws: a missing
// or mistyped field, bad hex or base64, or an out-of-range number is an
// invalid_input error naming the field.
//
// JSON form (docs/attestation.md):
//   nonce, qualifying_data            hex
//   quote, signature                  base64 of TPMS_ATTEST / TPMT_SIGNATURE
//   pcr_bank                          "sha256"
//   pcrs                              {"<index>": hex, ...}
//   ak_public_pem, ak_source          the AK and the template it came from
//   ak_certificate_pem                the AK's certificate from the vTPM's NV, or null
//   ek_public_pem, ek_certificate_pem PEM or null
//   event_log                         base64 of the firmware TCG log, or null
//   runtime_events                    the runtime configuration log (array)
//   config_pcr                        PCR of the runtime log
//   bindings                          see bindings.hpp

#include <map>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "common/json.hpp"

namespace attest {

struct Evidence {
  std::string nonce;                     // raw bytes
  std::string qualifying_data;           // raw 32 bytes
  std::string quote;                     // marshalled TPMS_ATTEST
  std::string signature;                 // marshalled TPMT_SIGNATURE
  std::map<unsigned, std::string> pcrs;  // sha256 bank, raw values
  std::string ak_public_pem;
  std::string ak_source;  // "gce-nv-ecc", "gce-nv-rsa" or "default-ecc"
  std::optional<std::string> ak_certificate_pem;
  std::optional<std::string> ek_public_pem;
  std::optional<std::string> ek_certificate_pem;
  std::optional<std::string> event_log;  // raw TCG log
  common::json runtime_events = common::json::array();
  unsigned config_pcr = 15;
  common::json bindings = common::json::object();
};

common::json evidence_json(const Evidence& evidence);
common::Result<Evidence> parse_evidence(const common::json& document);

// {"<index>": hex} <-> index -> raw 32-byte value; indices 0-23 in decimal
// without leading zeros. Shared with measurements.json.
common::Result<std::map<unsigned, std::string>> parse_pcr_values(const common::json& object);
common::json pcr_values_json(const std::map<unsigned, std::string>& pcrs);

}  // namespace attest
