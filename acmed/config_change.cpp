#include "acmed/config_change.hpp"

#include <algorithm>

namespace acmed {
namespace {

std::vector<std::string> sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::vector<std::string> ConfigChange::changed() const {
  std::vector<std::string> names;
  if (account) names.emplace_back("account (acme_directory, acme_ca_pem or EAB)");
  if (this->names) names.emplace_back("domain");
  if (first_name && !this->names) names.emplace_back("domain order");
  if (profile) names.emplace_back("acme_profile");
  if (contacts) names.emplace_back("acme_contact");
  if (preferred_issuer) names.emplace_back("acme_preferred_issuer");
  return names;
}

ConfigChange compare_configs(const Config& before, const Config& after) {
  ConfigChange change;
  change.account = before.directory_url != after.directory_url || before.ca_pem != after.ca_pem ||
                   before.eab != after.eab;
  change.names = sorted(before.domains) != sorted(after.domains);
  change.first_name = before.domains.front() != after.domains.front();
  change.profile = before.profile != after.profile;
  change.contacts = before.contacts != after.contacts;
  change.preferred_issuer = before.preferred_issuer != after.preferred_issuer;
  return change;
}

bool share_a_name(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return std::any_of(a.begin(), a.end(), [&](const auto& name) {
    return std::find(b.begin(), b.end(), name) != b.end();
  });
}

}  // namespace acmed
