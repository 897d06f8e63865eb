#pragma once
// The ACME directory (RFC 8555 §7.1.1): the only URL configured; every other
// resource URL is read from it, never built by hand (renewalInfo, RFC 9773
// §3, is the one documented base that is extended with a path).

#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/json.hpp"

namespace acmed {

struct Directory {
  std::string new_nonce;
  std::string new_account;
  std::string new_order;
  std::string renewal_info;  // empty: the CA offers no ARI
  bool external_account_required = false;
  std::vector<std::string> profiles;  // meta.profiles names, when advertised
};

common::Result<Directory> parse_directory(const common::json& document);

}  // namespace acmed
