#pragma once
// Client for the GCP metadata server (computeMetadata/v1). Every request
// carries "Metadata-Flavor: Google". The host is $GCE_METADATA_HOST when set
// (the Google client libraries' convention), else 169.254.169.254.
// A missing attribute (404) is Error::Kind::not_found; an unreachable or
// failing server is Error::Kind::environment after the retries are spent.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace common {

struct MetadataOptions {
  std::string host{};  // empty: from the environment as above
  std::chrono::milliseconds timeout{3000};
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
};

struct WatchedValue {
  std::string value;
  std::string etag;
};

struct AccessToken {
  std::string token;  // secret: never log it
  std::chrono::seconds expires_in{0};
};

class MetadataClient {
 public:
  explicit MetadataClient(MetadataOptions options = {});

  // path relative to /computeMetadata/v1/, e.g. "instance/attributes/domain".
  Result<std::string> get(std::string_view path) const;
  Result<std::string> instance_attribute(std::string_view key) const;
  Result<std::string> project_attribute(std::string_view key) const;
  // Instance attribute, falling back to the project attribute (GCP's usual
  // precedence). not_found only when neither exists.
  Result<std::string> attribute(std::string_view key) const;
  // Long-polls ?wait_for_change=true&last_etag=...; returns when the value
  // changes or after `wait` (the server's timeout_sec), with the new etag.
  Result<WatchedValue> watch(std::string_view path, std::string_view last_etag,
                             std::chrono::seconds wait) const;
  // The default service account's OAuth2 token (for Secret Manager).
  Result<AccessToken> service_account_token() const;

  const std::string& base_url() const { return base_url_; }

 private:
  MetadataOptions options_;
  std::string base_url_;
};

}  // namespace common
