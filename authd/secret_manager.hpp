#pragma once
// GCP Secret Manager, the one call authd needs: access a secret version over
// REST with the instance service account's OAuth2 token
// (GET {base}/v1/{name}:access, "Authorization: Bearer <token>"), checking
// the payload's CRC32C as the API recommends.

#include <string>

#include "common/error.hpp"

namespace authd {

struct SecretManagerOptions {
  std::string base_url = "https://secretmanager.googleapis.com";  // tests point it elsewhere
  std::string ca_pem;  // extra trust anchors (the simulation's CA)
};

// True for "projects/P/secrets/S/versions/V" with plain name characters.
bool is_secret_version_name(const std::string& name);

// Returns the secret's bytes. `token` is a secret and is never logged.
common::Result<std::string> access_secret_version(const std::string& name, const std::string& token,
                                                  const SecretManagerOptions& options);

}  // namespace authd
