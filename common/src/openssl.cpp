#include "common/openssl.hpp"

#include <openssl/err.h>

#include <array>

namespace common::openssl {

std::string last_error_reason() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "no detail from OpenSSL";
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  return text.data();
}

std::unexpected<Error> fail_with_reason(Error::Kind kind, std::string_view what) {
  return fail(kind, std::string(what) + ": " + last_error_reason());
}

}  // namespace common::openssl
