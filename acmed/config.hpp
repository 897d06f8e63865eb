#pragma once
// acmed's configuration. In the appliance it comes from attestd (config.get),
// because configuration must be measured into the TPM before it is used; for
// tests and local runs it can come from the metadata server directly. The EAB
// MAC key is a secret, is not measured, and always comes from the metadata
// server.

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acmed/account.hpp"
#include "common/config_source.hpp"
#include "common/error.hpp"
#include "common/metadata.hpp"

namespace acmed {

inline constexpr std::string_view kLetsEncryptProduction =
    "https://acme-v02.api.letsencrypt.org/directory";

using ConfigSource = common::config::Source;

struct Config {
  std::vector<std::string> domains;  // first one is the certificate's CN and redirect host
  std::string directory_url{kLetsEncryptProduction};
  std::vector<std::string> contacts;
  std::string profile;
  std::string preferred_issuer;
  std::string ca_pem;  // extra trust anchor for the directory (test CAs)
  std::optional<ExternalAccountBinding> eab;
  bool operator==(const Config&) const = default;
};

// The measured keys acmed reads (a subset of contract::attestd::measured_keys).
std::span<const std::string_view> config_keys();

// Validates the raw attribute values (keys as in the metadata server).
common::Result<Config> config_from_values(const std::map<std::string, std::string>& values,
                                          const std::optional<std::string>& eab_hmac);

// Reads the measured keys from `source` and the secret from metadata.
common::Result<Config> load_config(ConfigSource source, const common::MetadataClient& metadata);

// Completes measured `values` (from attestd's config.updated, or a poll of the
// metadata server) with the secret from metadata, and validates the whole.
common::Result<Config> config_with_secret(const common::config::Values& values,
                                          const common::MetadataClient& metadata);

}  // namespace acmed
