// Secret Manager's accessSecretVersion answer (authd/secret_manager):
// the PayPal client secret arrives base64 inside JSON, checksummed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "authd/secret_manager.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  (void)fuzz::http_server();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The name comes from metadata: its check is a parser of its own.
  (void)authd::is_secret_version_name(std::string(text.substr(0, text.find('\n'))));
  fuzz::http_server().script(fuzz::parse_script(text, fuzz::http_server().base_url()));
  authd::SecretManagerOptions options;
  options.base_url = fuzz::http_server().base_url();
  (void)authd::access_secret_version("projects/p/secrets/paypal/versions/latest", "token", options);
  return 0;
}
