#include "trafficcop/google_api.hpp"

#include "common/http_client.hpp"
#include "common/log.hpp"

namespace trafficcop {
namespace {

using common::Error;

constexpr std::chrono::seconds kCallTimeout{30};

Error::Kind kind_of(long status) {
  switch (status) {
    case 400:
      return Error::Kind::invalid_input;
    case 401:
    case 403:
      return Error::Kind::permission;
    case 404:
      return Error::Kind::not_found;
    default:
      return Error::Kind::environment;
  }
}

// "HTTP 403 PERMISSION_DENIED: Required 'compute.instances.stop' permission..."
std::string describe(const common::HttpResponse& response) {
  std::string text = "HTTP " + std::to_string(response.status);
  auto body = common::parse_json(response.body);
  if (!body || !body->is_object() || !body->contains("error")) return text;
  const auto& error = (*body)["error"];
  if (!error.is_object()) return text;
  // Best effort: a mistyped field leaves the HTTP status to speak alone.
  const std::string status = common::optional_string_field(error, "status").value_or("");
  const std::string message = common::optional_string_field(error, "message").value_or("");
  if (!status.empty()) text += " " + status;
  if (!message.empty()) text += ": " + message;
  return text;
}

}  // namespace

common::Result<common::json> GoogleApi::get(const std::string& url) { return call("GET", url); }

common::Result<common::json> GoogleApi::post(const std::string& url) { return call("POST", url); }

common::Result<common::json> GoogleApi::call(const std::string& method, const std::string& url) {
  const std::string what = "unable to " + method + " " + url.substr(0, url.find('?'));
  common::Result<common::HttpResponse> response = common::fail(Error::Kind::internal, "no call");
  // Twice at most: the second time with a fresh token after a 401.
  for (int round = 0; round < 2; ++round) {
    auto token = tokens_.token();
    if (!token) return std::unexpected(common::wrap(token.error(), what));
    common::HttpRequest request{
        .method = method,
        .url = url,
        .headers = {{"Authorization", "Bearer " + *token}, {"Accept", "application/json"}},
        .timeout = kCallTimeout,
    };
    response = send_with_retries(request, retry_);
    if (!response) return std::unexpected(common::wrap(response.error(), what));
    if (response->status != 401) break;
    common::log::warning(common::log::Event{"token.refused"}, "access token refused; getting a new one",
                         {{"url", url.substr(0, url.find('?'))}});
    tokens_.invalidate();
  }
  if (response->status < 200 || response->status > 299) {
    return common::fail(kind_of(response->status), what + ": " + describe(*response));
  }
  auto body = common::parse_json(response->body);
  if (!body || !body->is_object()) {
    return common::fail(Error::Kind::environment, what + ": the answer is not a JSON object");
  }
  return std::move(*body);
}

}  // namespace trafficcop
