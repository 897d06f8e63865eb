// Answers of the GCE metadata server (common/metadata): attributes, the
// hanging-GET watch with its ETag, and the service account's access token.
// The metadata server is trusted in the design, but its answers cross a
// network and are parsed by our code, so they are fuzzed like the rest.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/metadata.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  (void)fuzz::http_server();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::http_server().script(fuzz::parse_script(
      std::string_view(reinterpret_cast<const char*>(data), size), fuzz::http_server().base_url()));
  common::MetadataOptions options;
  options.host = fuzz::http_server().host_port();
  options.timeout = std::chrono::milliseconds(2000);
  options.max_attempts = 1;  // a retry would only replay the next answer
  options.initial_backoff = std::chrono::milliseconds(0);
  const common::MetadataClient metadata(options);
  (void)metadata.attribute("domain");
  (void)metadata.watch("instance/attributes/?recursive=true", "etag", std::chrono::seconds(1));
  (void)metadata.service_account_token();
  return 0;
}
