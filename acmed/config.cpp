#include "acmed/config.hpp"

#include <algorithm>
#include <array>

namespace acmed {
namespace {

using common::Error;
using common::fail;
using common::config::value_or_empty;

constexpr std::array<std::string_view, 7> kKeys = {
    "domain",       "acme_directory", "acme_contact",         "acme_profile",
    "acme_eab_kid", "acme_ca_pem",    "acme_preferred_issuer"};
constexpr std::string_view kEabSecretKey = "acme_eab_hmac";

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  std::string current;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      if (!current.empty()) items.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) items.push_back(std::move(current));
  return items;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A DNS name as a CA accepts it for HTTP-01: LDH labels, no wildcard.
bool is_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.back() == '.') return false;
  std::size_t label = 0;
  char previous = '.';
  for (char c : name) {
    if (c == '.') {
      if (label == 0 || previous == '-') return false;
      label = 0;
    } else {
      bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok || (label == 0 && c == '-') || ++label > 63) return false;
    }
    previous = c;
  }
  return previous != '-';
}

}  // namespace

common::Result<Config> config_from_values(const std::map<std::string, std::string>& values,
                                          const std::optional<std::string>& eab_hmac) {
  Config config;
  for (auto& name : split_list(value_or_empty(values, "domain"))) {
    name = lower(std::move(name));
    if (!is_dns_name(name)) {
      return fail(Error::Kind::invalid_input,
                  "unable to use domain \"" + name + "\": not a DNS name");
    }
    if (std::find(config.domains.begin(), config.domains.end(), name) == config.domains.end()) {
      config.domains.push_back(std::move(name));
    }
  }
  if (config.domains.empty())
    return fail(Error::Kind::invalid_input, "unable to configure acmed: domain is not set");
  if (auto directory = value_or_empty(values, "acme_directory"); !directory.empty()) {
    config.directory_url = directory;
  }
  if (!config.directory_url.starts_with("https://")) {
    return fail(Error::Kind::invalid_input,
                "unable to use acme_directory: it must be an https:// URL");
  }
  for (auto& contact : split_list(value_or_empty(values, "acme_contact"))) {
    if (contact.starts_with("mailto:")) contact.erase(0, 7);
    if (contact.find('@') == std::string::npos) {
      return fail(Error::Kind::invalid_input,
                  "unable to use acme_contact \"" + contact + "\": not an e-mail address");
    }
    config.contacts.push_back(std::move(contact));
  }
  config.profile = value_or_empty(values, "acme_profile");
  config.preferred_issuer = value_or_empty(values, "acme_preferred_issuer");
  config.ca_pem = value_or_empty(values, "acme_ca_pem");
  const std::string eab_kid = value_or_empty(values, "acme_eab_kid");
  const bool has_hmac = eab_hmac && !eab_hmac->empty();
  if (!eab_kid.empty() && has_hmac) {
    config.eab = ExternalAccountBinding{eab_kid, *eab_hmac};
  } else if (!eab_kid.empty() || has_hmac) {
    return fail(Error::Kind::invalid_input,
                "unable to use External Account Binding: set both acme_eab_kid and acme_eab_hmac");
  }
  return config;
}

std::span<const std::string_view> config_keys() { return kKeys; }

common::Result<Config> load_config(ConfigSource source, const common::MetadataClient& metadata) {
  auto values = common::config::load_values(source, metadata, kKeys);
  if (!values) return std::unexpected(values.error());
  return config_with_secret(*values, metadata);
}

common::Result<Config> config_with_secret(const common::config::Values& values,
                                          const common::MetadataClient& metadata) {
  std::optional<std::string> eab_hmac;
  auto secret = metadata.attribute(kEabSecretKey);
  if (secret) {
    eab_hmac = std::move(*secret);
  } else if (secret.error().kind != Error::Kind::not_found) {
    return std::unexpected(common::wrap(secret.error(), "unable to read acme_eab_hmac"));
  }
  return config_from_values(values, eab_hmac);
}

}  // namespace acmed
