// The GCE instance identity extension (attestd/verify/instance_identity): a
// hand-written DER parser for bytes inside a certificate the server sends.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "attestd/verify/instance_identity.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto identity = attest::parse_gce_instance_identity(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (!identity) return 0;
  (void)attest::describe_identity(*identity);
  (void)attest::identity_matches(*identity, "appliance-simulation/us-central1-a/appliance");
  (void)attest::identity_matches(*identity, "123/zone/456");
  (void)attest::gce_instance_identity_der(*identity);
  return 0;
}
