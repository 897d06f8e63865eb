// PayPal's token and userinfo answers as authd's PayPal client receives them
// (authd/paypal_client): the code exchange, then the userinfo call with
// the access token it returned.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "authd/paypal_client.hpp"

namespace {

const authd::PayPalClient& client() {
  static const authd::PayPalClient instance([] {
    authd::PayPalClientOptions options;
    options.client_id = "client";
    options.client_secret = "secret";
    options.endpoints = {fuzz::http_server().base_url() + "/signin/authorize",
                         fuzz::http_server().base_url()};
    options.timeout = std::chrono::milliseconds(2000);
    return options;
  }());
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  (void)client();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::http_server().script(fuzz::parse_script(
      std::string_view(reinterpret_cast<const char*>(data), size), fuzz::http_server().base_url()));
  auto token = client().exchange_code("code");
  if (token) (void)client().userinfo(*token);
  return 0;
}
