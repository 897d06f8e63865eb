// The attestation evidence document (attestd/verify/evidence, bindings): the
// JSON a possibly hostile server answers to GET /v1/attestation.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/json.hpp"
#include "attestd/verify/bindings.hpp"
#include "attestd/verify/evidence.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto document = common::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!document) return 0;
  if (auto evidence = attest::parse_evidence(*document)) {
    (void)attest::evidence_json(*evidence);
    (void)attest::qualifying_data(evidence->nonce, evidence->bindings);
  }
  if (document->is_object()) {
    if (auto pcrs = document->find("pcrs"); pcrs != document->end()) {
      (void)attest::parse_pcr_values(*pcrs);
    }
    if (auto bindings = document->find("bindings"); bindings != document->end()) {
      (void)attest::canonical_bindings(*bindings);
    }
  }
  return 0;
}
