#pragma once
// What a new configuration means for the certificate, decided in one place so
// that the renewer only acts on it:
// - directory, extra CA or EAB changed: the account belongs to another CA (or
//   another binding), so a new account on the new directory, then a new order;
// - the set of names or the profile changed: a new order now;
// - only the contacts changed: the existing account is updated;
// - only the preferred issuer or the order of the names changed: used from the
//   next issuance on (the current certificate still covers the same names).

#include <string>
#include <vector>

#include "acmed/config.hpp"

namespace acmed {

struct ConfigChange {
  bool account = false;           // acme_directory, acme_ca_pem or EAB
  bool names = false;             // the set of names in `domain`
  bool first_name = false;        // the CN and redirect host
  bool profile = false;           // acme_profile
  bool contacts = false;          // acme_contact
  bool preferred_issuer = false;  // acme_preferred_issuer

  bool any() const {
    return account || names || first_name || profile || contacts || preferred_issuer;
  }
  bool needs_new_order() const { return account || names || profile; }
  // The changed settings by name, for the log.
  std::vector<std::string> changed() const;
};

ConfigChange compare_configs(const Config& before, const Config& after);

// Whether two name lists have a name in common: RFC 9773 §5 lets a server
// check that an order and the certificate it `replaces` share an identifier.
bool share_a_name(const std::vector<std::string>& a, const std::vector<std::string>& b);

}  // namespace acmed
