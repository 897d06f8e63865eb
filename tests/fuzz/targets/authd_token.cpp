// authd's /token request (authd/provider_token, client_auth,
// http_fields parse_form): a relying party's form body and its
// Authorization: Basic header. Input: the header value, a line break, the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "authd_provider.hpp"
#include "fuzz_support.hpp"
#include "authd/http_fields.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  (void)fuzz::authd_provider();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto end = text.find('\n');
  auto req = fuzz::authd_request("POST", "/token");
  req.headers.emplace("Content-Type", "application/x-www-form-urlencoded");
  if (end != std::string_view::npos) {
    req.headers.emplace("Authorization", std::string(text.substr(0, end)));
    req.body = std::string(text.substr(end + 1));
  } else {
    req.body = std::string(text);
  }
  (void)authd::parse_form(req.body);
  fuzz::AuthdResponse res;
  fuzz::authd_provider()->token(req, res);
  return 0;
}
