#include "trafficcop/service_account_key.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "common/http_client.hpp"
#include "common/json.hpp"
#include "trafficcop/options.hpp"
#include "trafficcop/retry.hpp"

namespace trafficcop {
namespace {

using common::Error;

constexpr std::string_view kGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr std::chrono::seconds kAssertionLifetime{3600};  // Google's maximum
constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;       // a real one is about 2.3 KiB

common::Result<std::string> read_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return common::fail(Error::Kind::environment,
                        "unable to read the key file " + path + ": " + std::strerror(errno));
  }
  std::string text;
  text.resize(kMaxKeyFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxKeyFileBytes) {
    return common::fail(Error::Kind::invalid_input,
                        "unable to read the key file " + path + ": larger than a key file");
  }
  return text;
}

// The token endpoint's answer: {"access_token","expires_in","token_type"},
// or an OAuth error {"error","error_description"}.
common::Result<common::AccessToken> token_from_response(const common::HttpResponse& response) {
  constexpr std::string_view kWhat = "unable to get a token with the key file";
  auto body = common::parse_json(response.body);
  if (response.status != 200) {
    std::string reason = "HTTP " + std::to_string(response.status);
    if (body) {  // best effort: the status alone says enough to act on
      reason += ": " + common::optional_string_field(*body, "error").value_or("") + " " +
                common::optional_string_field(*body, "error_description").value_or("");
    }
    const auto kind = response.status >= 500 || response.status == 429 ? Error::Kind::environment
                                                                       : Error::Kind::permission;
    return common::fail(kind, std::string(kWhat) + ": " + reason);
  }
  if (!body) return std::unexpected(common::wrap(body.error(), kWhat));
  auto token = common::string_field(*body, "access_token");
  if (!token) return std::unexpected(common::wrap(token.error(), kWhat));
  auto expires_in = common::integer_field(*body, "expires_in");
  if (!expires_in) return std::unexpected(common::wrap(expires_in.error(), kWhat));
  if (token->empty() || *expires_in <= 0) {
    return common::fail(Error::Kind::invalid_input,
                        std::string(kWhat) + ": empty or expired token");
  }
  return common::AccessToken{std::move(*token), std::chrono::seconds(*expires_in)};
}

class KeyFileTokenSource final : public TokenSource {
 public:
  KeyFileTokenSource(ServiceAccountKey key, std::string endpoint)
      : key_(std::move(key)), endpoint_(std::move(endpoint)) {}
  std::string_view kind() const override { return "key-file"; }

 protected:
  common::Result<common::AccessToken> fetch() override {
    auto assertion = jwt_assertion(key_, endpoint_, std::chrono::system_clock::now());
    if (!assertion) return std::unexpected(assertion.error());
    common::HttpRequest request{
        .method = "POST",
        .url = endpoint_,
        .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
        .body = common::form_encode(
            {{"grant_type", std::string(kGrantType)}, {"assertion", std::move(*assertion)}}),
    };
    auto response = send_with_retries(request);
    if (!response) {
      return std::unexpected(
          common::wrap(response.error(), "unable to get a token with the key file"));
    }
    return token_from_response(*response);
  }

 private:
  ServiceAccountKey key_;
  std::string endpoint_;
};

}  // namespace

common::Result<ServiceAccountKey> parse_service_account_key(std::string_view text) {
  constexpr std::string_view kWhat = "unable to load the service-account key";
  auto parsed = common::parse_json(text);
  if (!parsed || !parsed->is_object()) {
    return common::fail(Error::Kind::invalid_input, std::string(kWhat) + ": not a JSON object");
  }
  if (common::optional_string_field(*parsed, "type").value_or("") != "service_account") {
    return common::fail(Error::Kind::invalid_input,
                        std::string(kWhat) + ": \"type\" is not \"service_account\"");
  }
  auto email = common::string_field(*parsed, "client_email");
  auto pem = common::string_field(*parsed, "private_key");
  auto key_id = common::optional_string_field(*parsed, "private_key_id");
  auto token_uri = common::optional_string_field(*parsed, "token_uri");
  for (const auto* field : {&email, &pem, &key_id, &token_uri}) {
    if (!*field) return std::unexpected(common::wrap(field->error(), kWhat));
  }
  auto private_key = common::crypto::load_private_key_pem(*pem);
  if (!private_key) {
    return common::fail(Error::Kind::invalid_input,
                        std::string(kWhat) + ": unreadable private_key");
  }
  return ServiceAccountKey{
      .client_email = std::move(*email),
      .private_key_id = std::move(*key_id),
      .token_uri = std::move(*token_uri),
      .private_key = std::move(*private_key),
  };
}

common::Result<std::string> jwt_assertion(const ServiceAccountKey& key, std::string_view audience,
                                          std::chrono::system_clock::time_point now) {
  using common::crypto::base64url;
  common::json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!key.private_key_id.empty()) header["kid"] = key.private_key_id;
  const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  const common::json claims = {{"iss", key.client_email},
                               {"scope", kCloudPlatformScope},
                               {"aud", audience},
                               {"iat", iat.count()},
                               {"exp", (iat + kAssertionLifetime).count()}};
  const std::string signing_input =
      base64url(common::dump_json(header)) + "." + base64url(common::dump_json(claims));
  auto signature = common::crypto::rs256_sign(key.private_key.get(), signing_input);
  if (!signature) {
    return std::unexpected(common::wrap(signature.error(), "unable to sign the token request"));
  }
  return signing_input + "." + base64url(*signature);
}

common::Result<std::unique_ptr<TokenSource>> key_file_token_source(
    const std::string& path, const std::string& token_endpoint) {
  auto text = read_key_file(path);
  if (!text) return std::unexpected(text.error());
  auto key = parse_service_account_key(*text);
  const std::string what = "unable to use the key file " + path;
  if (!key) return std::unexpected(common::wrap(key.error(), what));
  std::string endpoint = token_endpoint;
  if (endpoint.empty()) endpoint = key->token_uri;
  if (endpoint.empty()) endpoint = kTokenEndpoint;
  if (!valid_endpoint(endpoint)) {
    return common::fail(Error::Kind::invalid_input,
                        what + ": token_uri '" + endpoint + "' is neither HTTPS nor loopback");
  }
  return std::make_unique<KeyFileTokenSource>(std::move(*key), std::move(endpoint));
}

}  // namespace trafficcop
