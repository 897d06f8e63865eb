#pragma once
// authd's configuration: the measured values from common::config (attestd in
// the appliance), plus the PayPal client secret. The secret is never
// measured: it always comes from the metadata server, either as the
// attribute `paypal_client_secret` or through Secret Manager
// (`paypal_client_secret_ref` = projects/P/secrets/S/versions/V).

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "common/config_source.hpp"
#include "common/error.hpp"
#include "common/metadata.hpp"
#include "authd/config.hpp"
#include "authd/secret_manager.hpp"

namespace authd {

using ConfigSource = common::config::Source;

// The keys authd reads (all of them measured by attestd).
std::span<const std::string_view> config_keys();

// What a configuration is made from: the measured values and where the PayPal
// secret comes from ("ref:" + the Secret Manager name, or "attribute:" + the
// SHA-256 of the attribute). Equal inputs make the same configuration, which
// lets a live update skip Secret Manager when nothing changed.
struct ConfigInputs {
  std::map<std::string, std::string> values;
  std::string secret_origin;  // logged only as a Secret Manager name (ref:)
  // SHA-256 of the secret these inputs resolved to, when known (in_force):
  // what a re-read of a `versions/latest` reference is compared with. Not
  // part of equality: it is a result of the inputs, not one of them.
  std::string secret_sha256;
  bool operator==(const ConfigInputs& other) const {
    return values == other.values && secret_origin == other.secret_origin;
  }
};

// `inputs` marked with the secret of `config`, the configuration they made.
ConfigInputs in_force(ConfigInputs inputs, const Config& config);

// The keys authd reads, from `source`.
common::Result<std::map<std::string, std::string>> load_values(ConfigSource source,
                                                               const common::MetadataClient& md);
// The values from `source` and the secret's origin from the metadata server.
common::Result<ConfigInputs> load_inputs(ConfigSource source, const common::MetadataClient& md);
// Values handed over (attestd's config.updated) and the secret's origin.
common::Result<ConfigInputs> inputs_from(std::map<std::string, std::string> values,
                                         const common::MetadataClient& md);

// The PayPal client secret, from the attribute or its Secret Manager reference.
common::Result<std::string> load_paypal_secret(const common::MetadataClient& md,
                                               SecretManagerOptions secret_manager);

// Reads the secret and builds the whole configuration from `inputs`.
common::Result<Config> resolve_config(const ConfigInputs& inputs, const common::MetadataClient& md,
                                      SecretManagerOptions secret_manager);

common::Result<Config> load_config(ConfigSource source, const common::MetadataClient& md,
                                   SecretManagerOptions secret_manager);

}  // namespace authd
