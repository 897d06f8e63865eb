#include "attestd/verify/bindings.hpp"

#include <algorithm>

#include "common/crypto.hpp"

namespace attest {
namespace {

bool is_lower_hex_digest(const std::string& text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool is_plain_key(const std::string& key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

common::Result<std::string> canonical_bindings(const common::json& bindings) {
  if (!bindings.is_object()) {
    return common::fail(common::Error::Kind::invalid_input,
                        "unable to read bindings: not a JSON object");
  }
  for (const auto& [key, value] : bindings.items()) {
    // Restricting keys and values to ASCII makes the canonical form
    // independent of any JSON library's escaping rules.
    if (!is_plain_key(key)) {
      return common::fail(common::Error::Kind::invalid_input,
                          "unable to read bindings: bad key \"" + key + "\"");
    }
    if (!value.is_null() && !(value.is_string() && is_lower_hex_digest(value.get<std::string>()))) {
      return common::fail(common::Error::Kind::invalid_input,
                          "unable to read bindings: " + key + " is not a hex SHA-256 or null");
    }
  }
  // nlohmann's default object type is a std::map: dump() emits sorted keys.
  return bindings.dump();
}

common::Result<std::string> qualifying_data(std::string_view nonce, const common::json& bindings) {
  auto canonical = canonical_bindings(bindings);
  if (!canonical) return std::unexpected(canonical.error());
  return common::crypto::sha256(std::string(nonce) + common::crypto::sha256(*canonical));
}

}  // namespace attest
