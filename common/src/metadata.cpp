#include "common/metadata.hpp"

#include <cstdlib>
#include <thread>

#include "common/backoff.hpp"
#include "common/http_client.hpp"
#include "common/json.hpp"
#include "common/log.hpp"

namespace common {
namespace {

constexpr std::string_view kDefaultHost = "169.254.169.254";
// GCP caps one value at 256 KiB and all of an instance's metadata at 512 KiB.
constexpr std::size_t kMaxValueBytes = 1U << 20;

std::string host_from_environment(const std::string& configured) {
  if (!configured.empty()) return configured;
  const char* env = std::getenv("GCE_METADATA_HOST");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string(kDefaultHost);
}

// Paths and keys reach a URL: only the characters GCP itself uses in them,
// so that no caller's string can add a query or climb out of /v1/.
bool safe_path(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find("..") != std::string_view::npos) {
    return false;
  }
  for (const char c : path) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

bool safe_key(std::string_view key) {
  return safe_path(key) && key.find('/') == std::string_view::npos;
}

bool retryable(const Result<HttpResponse>& response) {
  if (!response) return response.error().kind == Error::Kind::environment;
  return response->status >= 500;
}

}  // namespace

MetadataClient::MetadataClient(MetadataOptions options)
    : options_(std::move(options)),
      base_url_("http://" + host_from_environment(options_.host) + "/computeMetadata/v1/") {}

namespace {

// One GET with retries on transport errors and 5xx (never on 404 or 403),
// turning the answer into a value or a sorted error.
Result<HttpResponse> fetch(const MetadataOptions& options, const std::string& url,
                           std::chrono::milliseconds timeout) {
  HttpRequest request;
  request.url = url;
  request.headers = {{"Metadata-Flavor", "Google"}};
  request.timeout = timeout;
  request.connect_timeout = std::min(options.timeout, std::chrono::milliseconds(2000));
  request.max_response_bytes = kMaxValueBytes;

  Backoff backoff(options.initial_backoff, options.max_backoff);
  Result<HttpResponse> response = fail(Error::Kind::internal, "no attempt made");
  const int attempts = std::max(1, options.max_attempts);
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    response = http_request(request);
    if (!retryable(response)) break;
    if (attempt == attempts) break;
    const auto delay = backoff.next();
    log::debug(log::Event{"metadata.retrying"}, "unable to reach the metadata server yet",
               {{"url", url},
                {"attempt", attempt},
                {"delay_ms", delay.count()},
                {"reason", response ? "HTTP " + std::to_string(response->status)
                                    : response.error().message}});
    // A retry delay, not a wait for state: there is nothing to wait on.
    std::this_thread::sleep_for(delay);
  }
  const std::string where = "unable to read metadata " + url;
  if (!response) {
    return fail(Error::Kind::environment, where + " after " + std::to_string(attempts) +
                                              " attempts: " + response.error().message);
  }
  const long status = response->status;
  if (status == 404) return fail(Error::Kind::not_found, where + ": not found (404)");
  if (status == 403 || status == 401) {
    return fail(Error::Kind::permission, where + ": refused (" + std::to_string(status) + ")");
  }
  if (status >= 500) {
    return fail(Error::Kind::environment, where + ": server error " + std::to_string(status) +
                                              " after " + std::to_string(attempts) + " attempts");
  }
  if (status != 200) {
    return fail(Error::Kind::environment, where + ": unexpected status " + std::to_string(status));
  }
  // The real server always says so; anything else (a captive proxy, a
  // misrouted port) must not be trusted for configuration or secrets.
  if (response->header("metadata-flavor") != "Google") {
    return fail(Error::Kind::environment, where + ": answer lacks Metadata-Flavor: Google");
  }
  return response;
}

}  // namespace

Result<std::string> MetadataClient::get(std::string_view path) const {
  if (!safe_path(path)) {
    return fail(Error::Kind::invalid_input,
                "unable to read metadata: bad path '" + std::string(path) + "'");
  }
  auto response = fetch(options_, base_url_ + std::string(path), options_.timeout);
  if (!response) return std::unexpected(response.error());
  return std::move(response->body);
}

Result<std::string> MetadataClient::instance_attribute(std::string_view key) const {
  if (!safe_key(key)) {
    return fail(Error::Kind::invalid_input,
                "unable to read metadata: bad key '" + std::string(key) + "'");
  }
  return get("instance/attributes/" + std::string(key));
}

Result<std::string> MetadataClient::project_attribute(std::string_view key) const {
  if (!safe_key(key)) {
    return fail(Error::Kind::invalid_input,
                "unable to read metadata: bad key '" + std::string(key) + "'");
  }
  return get("project/attributes/" + std::string(key));
}

Result<std::string> MetadataClient::attribute(std::string_view key) const {
  auto instance = instance_attribute(key);
  if (instance || instance.error().kind != Error::Kind::not_found) return instance;
  return project_attribute(key);
}

Result<WatchedValue> MetadataClient::watch(std::string_view path, std::string_view last_etag,
                                           std::chrono::seconds wait) const {
  if (!safe_path(path)) {
    return fail(Error::Kind::invalid_input,
                "unable to watch metadata: bad path '" + std::string(path) + "'");
  }
  std::string url = base_url_ + std::string(path);
  std::chrono::milliseconds timeout = options_.timeout;
  // Without an etag there is nothing to compare: read the current value and
  // its etag at once, which is what a watcher needs to start from.
  if (!last_etag.empty()) {
    url += "?wait_for_change=true&last_etag=" + url_encode(last_etag) +
           "&timeout_sec=" + std::to_string(std::max<long long>(1, wait.count()));
    timeout += wait;
  }
  auto response = fetch(options_, url, timeout);
  if (!response) return std::unexpected(response.error());
  auto etag = response->header("etag");
  if (!etag) {
    return fail(Error::Kind::environment,
                "unable to watch metadata " + url + ": no ETag in the answer");
  }
  return WatchedValue{std::move(response->body), std::move(*etag)};
}

Result<AccessToken> MetadataClient::service_account_token() const {
  constexpr std::string_view kWhat = "unable to read the service account token";
  auto body = get("instance/service-accounts/default/token");
  if (!body) return std::unexpected(wrap(body.error(), kWhat));
  auto parsed = parse_json(*body);
  if (!parsed) return std::unexpected(wrap(parsed.error(), kWhat));
  auto token = string_field(*parsed, "access_token");
  if (!token) return std::unexpected(wrap(token.error(), kWhat));
  auto expires_in = integer_field(*parsed, "expires_in");
  if (!expires_in) return std::unexpected(wrap(expires_in.error(), kWhat));
  if (token->empty() || *expires_in < 0) {
    return fail(Error::Kind::invalid_input, std::string(kWhat) + ": empty or expired token");
  }
  return AccessToken{std::move(*token), std::chrono::seconds(*expires_in)};
}

}  // namespace common
