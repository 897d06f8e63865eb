// PayPal's userinfo answer (authd/paypal_client): the person's identity
// that becomes the id_token's claims.
#include <cstddef>
#include <cstdint>
#include <string>

#include "authd/paypal_client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)authd::parse_paypal_userinfo(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
