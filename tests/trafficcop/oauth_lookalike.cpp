#include "oauth_lookalike.hpp"

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <chrono>
#include <stdexcept>

#include "common/json.hpp"

namespace trafficcop_test {
namespace {

using nlohmann::json;

constexpr const char* kGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer";

std::string make_rsa_pem() {
  common::crypto::Key key(EVP_RSA_gen(2048));
  if (!key) throw std::runtime_error("unable to make an RSA key");
  return common::crypto::private_key_pem(key.get()).value();
}

void oauth_error(httplib::Response& response, const std::string& error,
                 const std::string& description) {
  response.status = 400;
  response.set_content(json{{"error", error}, {"error_description", description}}.dump(),
                       "application/json; charset=utf-8");
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t at = 0;
  for (std::size_t next; (next = text.find(separator, at)) != std::string::npos; at = next + 1) {
    parts.push_back(text.substr(at, next - at));
  }
  parts.push_back(text.substr(at));
  return parts;
}

json decode_part(const std::string& part) {
  auto bytes = common::crypto::base64url_decode(part);
  if (!bytes) return nullptr;
  return common::parse_json(*bytes).value_or(nullptr);
}

long long unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string rsa_private_key_pem() {
  static const std::string pem = make_rsa_pem();
  return pem;
}

OAuthLookalike::OAuthLookalike() : key_pem_(rsa_private_key_pem()) {
  key_ = common::crypto::load_private_key_pem(key_pem_).value();
  server().Post("/token", [this](const httplib::Request& request, httplib::Response& response) {
    token(request, response);
  });
  start();
}

json OAuthLookalike::key_file_for(const std::string& private_key_pem,
                                  const std::string& token_uri) {
  return json{{"type", "service_account"},
              {"project_id", "appliance-sim"},
              {"private_key_id", "3f2a9c0d1e4b5a6978877665544332211000ffee"},
              {"private_key", private_key_pem},
              {"client_email", client_email()},
              {"client_id", "104582734012345678901"},
              {"auth_uri", "https://accounts.google.com/o/oauth2/auth"},
              {"token_uri", token_uri},
              {"auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs"}};
}

json OAuthLookalike::key_file(const std::string& token_uri) const {
  return key_file_for(key_pem_, token_uri.empty() ? token_url() : token_uri);
}

json OAuthLookalike::foreign_key_file() const {
  common::crypto::Key other(EVP_RSA_gen(2048));
  json file = key_file();
  file["private_key"] = common::crypto::private_key_pem(other.get()).value();
  return file;
}

bool OAuthLookalike::valid(const std::string& token) const {
  std::lock_guard lock(mutex_);
  return live_.contains(token);
}

void OAuthLookalike::expire_all() {
  std::lock_guard lock(mutex_);
  live_.clear();
}

int OAuthLookalike::grants() const {
  std::lock_guard lock(mutex_);
  return grants_;
}

json OAuthLookalike::last_claims() const {
  std::lock_guard lock(mutex_);
  return last_claims_;
}

void OAuthLookalike::token(const httplib::Request& request, httplib::Response& response) {
  if (request.get_param_value("grant_type") != kGrantType) {
    return oauth_error(response, "unsupported_grant_type",
                       "Invalid grant_type: " + request.get_param_value("grant_type"));
  }
  const auto parts = split(request.get_param_value("assertion"), '.');
  if (parts.size() != 3) return oauth_error(response, "invalid_request", "Invalid JWT.");
  const json header = decode_part(parts[0]);
  const json claims = decode_part(parts[1]);
  const auto signature = common::crypto::base64url_decode(parts[2]);
  if (!header.is_object() || !claims.is_object() || !signature) {
    return oauth_error(response, "invalid_request", "Invalid JWT.");
  }
  if (header.value("alg", "") != "RS256") {
    return oauth_error(response, "invalid_grant", "Invalid JWT: unsupported algorithm.");
  }
  if (!common::crypto::rs256_verify(key_.get(), parts[0] + "." + parts[1], *signature)
           .value_or(false)) {
    return oauth_error(response, "invalid_grant", "Invalid JWT Signature.");
  }
  const long long now = unix_now();
  const long long iat = claims.value("iat", 0LL);
  const long long exp = claims.value("exp", 0LL);
  if (claims.value("iss", "") != client_email() || claims.value("aud", "") != token_url() ||
      claims.value("scope", "").empty() || iat > now + 60 || exp <= now || exp - iat > 3600) {
    return oauth_error(response, "invalid_grant",
                       "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                       "reasonable timeframe. Check your iat and exp values in the JWT claim.");
  }
  std::lock_guard lock(mutex_);
  ++grants_;
  last_claims_ = claims;
  const std::string access_token = "ya29.c.lookalike-" + std::to_string(grants_);
  live_.insert(access_token);
  response.set_content(
      json{{"access_token", access_token}, {"expires_in", 3599}, {"token_type", "Bearer"}}.dump(),
      "application/json; charset=utf-8");
}

}  // namespace trafficcop_test
