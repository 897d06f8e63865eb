// The login cookies and PayPal's redirect back to /callback
// (authd/http_fields read_cookie, login_seal, provider_callback): the Cookie header
// a browser sends and the query it comes back with. Input: the Cookie header
// value, a line break, the query string.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "authd/http_fields.hpp"
#include "authd/login_seal.hpp"
#include "authd_provider.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  (void)fuzz::authd_provider();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto end = text.find('\n');
  auto req = fuzz::authd_request("GET", "/callback");
  req.headers.emplace("Cookie", std::string(text.substr(0, end)));
  if (end != std::string_view::npos) {
    fuzz::add_query(req, text.substr(end + 1));
  }
  for (std::size_t slot = 0; slot < authd::kLoginCookieSlots; ++slot) {
    if (auto cookie = authd::read_cookie(req, authd::login_cookie_name(slot))) {
      (void)fuzz::authd_sealer().open(*cookie);  // sealed logins: forged bytes never open
    }
  }
  fuzz::AuthdResponse res;
  fuzz::authd_provider()->callback(req, res);
  return 0;
}
