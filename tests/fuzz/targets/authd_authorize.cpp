// authd's /authorize query (authd/provider_authorize): the parameters a
// browser brings from any web page, parsed by cpp-httplib as authd's server
// parses them, then validated by the provider.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "authd_provider.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  (void)fuzz::authd_provider();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto req = fuzz::authd_request("GET", "/authorize");
  fuzz::add_query(req, std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::AuthdResponse res;
  fuzz::authd_provider()->authorize(req, res);
  return 0;
}
