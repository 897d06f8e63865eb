#pragma once
// The ACME account (RFC 8555 §7.3): an ES256 key born in RAM at start and
// registered (or found again) with the CA. Nothing is stored: after a reboot
// a new key makes a new account, which the CA allows freely.

#include <optional>
#include <string>
#include <vector>

#include "acmed/acme_transport.hpp"
#include "common/crypto.hpp"
#include "common/error.hpp"

namespace acmed {

struct ExternalAccountBinding {
  std::string kid;
  std::string hmac_base64url;  // secret: from the metadata server, never logged
  bool operator==(const ExternalAccountBinding&) const = default;
};

struct AccountOptions {
  std::vector<std::string> contacts;  // e-mail addresses, without "mailto:"
  std::optional<ExternalAccountBinding> eab;
};

struct Account {
  common::crypto::Key key;
  std::string url;  // the "kid" of every later request
};

common::Result<Account> register_account(AcmeTransport& transport, const Directory& directory,
                                         common::crypto::Key key, const AccountOptions& options);

// Replaces the account's contact list (RFC 8555 §7.3.2).
common::Status update_account_contacts(AcmeTransport& transport, const Account& account,
                                       const std::vector<std::string>& contacts);

}  // namespace acmed
