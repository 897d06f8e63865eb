// The AK certificate (attestd/verify/ak_trust, instance_identity): checked
// against the fixture's CA and AK as the verifier checks a server's
// certificate. Input: DER, which the target wraps in PEM (the mutations then
// hit ASN.1, not base64); inputs starting with '-' are taken as PEM text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/crypto.hpp"
#include "common/json.hpp"
#include "fuzz_support.hpp"
#include "attestd/verify/ak_trust.hpp"

namespace {

struct Fixture {
  common::crypto::Key ak;
  attest::AkAnchors anchors;
};

const Fixture& fixture() {
  static const Fixture loaded = [] {
    auto evidence = common::parse_json(fuzz::fixture("verifier_fixture/evidence.json"));
    if (!evidence) std::abort();
    auto key = common::crypto::load_public_key_pem((*evidence)["ak_public_pem"].get<std::string>());
    auto anchors = attest::ak_anchors_from_pem(fuzz::fixture("verifier_fixture/ak_ca.pem"), "fuzz");
    if (!key || !anchors) std::abort();
    return Fixture{std::move(*key), std::move(*anchors)};
  }();
  return loaded;
}

std::string pem_of(std::string_view der) {
  const std::string body = common::crypto::base64(der);
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t at = 0; at < body.size(); at += 64) pem += body.substr(at, 64) + "\n";
  return pem + "-----END CERTIFICATE-----\n";
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  (void)fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string pem = bytes.starts_with('-') ? std::string(bytes) : pem_of(bytes);
  (void)attest::verify_ak_certificate(pem, fixture().ak.get(), fixture().anchors);
  return 0;
}
