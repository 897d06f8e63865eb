// The relying parties (authd/config parse_oidc_clients): the
// "oidc_clients" metadata attribute, from the project's metadata.
#include <cstddef>
#include <cstdint>
#include <string>

#include "authd/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)authd::parse_oidc_clients(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
