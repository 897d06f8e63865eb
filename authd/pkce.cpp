#include "authd/pkce.hpp"

#include "common/crypto.hpp"

namespace authd {
namespace {

bool is_unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool is_base64url(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

bool is_valid_code_challenge(std::string_view challenge) {
  if (challenge.size() != 43) return false;
  for (char c : challenge) {
    if (!is_base64url(c)) return false;
  }
  return true;
}

bool is_valid_code_verifier(std::string_view verifier) {
  if (verifier.size() < 43 || verifier.size() > 128) return false;
  for (char c : verifier) {
    if (!is_unreserved(c)) return false;
  }
  return true;
}

bool pkce_s256_matches(std::string_view verifier, std::string_view challenge) {
  if (!is_valid_code_verifier(verifier)) return false;
  auto computed = common::crypto::base64url(common::crypto::sha256(verifier));
  return common::crypto::equal_constant_time(computed, challenge);
}

}  // namespace authd
