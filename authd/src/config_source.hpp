#pragma once
// authd's configuration: the measured values from common::config (attestd in
// the appliance), plus the PayPal client secret. The secret is never
// measured: it always comes from the metadata server, either as the
// attribute `paypal_client_secret` or through Secret Manager
// (`paypal_client_secret_ref` = projects/P/secrets/S/versions/V).

#include <map>
#include <string>

#include "common/config_source.hpp"
#include "common/error.hpp"
#include "common/metadata.hpp"
#include "config.hpp"
#include "secret_manager.hpp"

namespace authd {

using ConfigSource = common::config::Source;

// The keys authd reads (all of them measured by attestd).
common::Result<std::map<std::string, std::string>> load_values(ConfigSource source,
                                                               const common::MetadataClient& md);

// The PayPal client secret, from the attribute or its Secret Manager reference.
common::Result<std::string> load_paypal_secret(const common::MetadataClient& md,
                                               SecretManagerOptions secret_manager);

common::Result<Config> load_config(ConfigSource source, const common::MetadataClient& md,
                                   SecretManagerOptions secret_manager);

}  // namespace authd
