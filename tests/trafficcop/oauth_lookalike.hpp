#pragma once
// A look-alike of Google's OAuth 2.0 token endpoint for service accounts
// (POST /token, application/x-www-form-urlencoded):
//   grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT
// It checks the assertion as Google does: RS256 signature (OpenSSL, against
// the public half of the key it made), iss = the service account, aud = its
// own URL, a scope, iat/exp within an hour; then answers
//   {"access_token","expires_in","token_type":"Bearer"}
// or 400 {"error":"invalid_grant","error_description":...}.
// It also writes the key file a client uses ("type":"service_account").

#include <filesystem>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "common/crypto.hpp"
#include "lookalike_server.hpp"

namespace trafficcop_test {

class OAuthLookalike : public LookalikeServer {
 public:
  OAuthLookalike();
  ~OAuthLookalike() override { stop(); }

  std::string token_url() const { return base_url() + "/token"; }
  static std::string client_email() { return "trafficcop@appliance-sim.iam.gserviceaccount.com"; }
  // A key file as the console downloads it, for this service account.
  static nlohmann::json key_file_for(const std::string& private_key_pem,
                                     const std::string& token_uri);
  // The key file for this service account; `token_uri` defaults to ours.
  nlohmann::json key_file(const std::string& token_uri = "") const;
  // The same, with another private key (whose signatures must be refused).
  nlohmann::json foreign_key_file() const;

  // Whether an API should take this token: issued here and not expired.
  bool valid(const std::string& token) const;
  // Makes every token issued so far expired (as if its hour had passed).
  void expire_all();
  int grants() const;  // tokens issued
  nlohmann::json last_claims() const;

 private:
  void token(const httplib::Request& request, httplib::Response& response);

  common::crypto::Key key_;
  std::string key_pem_;
  mutable std::mutex mutex_;
  std::set<std::string> live_;
  int grants_ = 0;
  nlohmann::json last_claims_;
};

// An RSA-2048 private key as PKCS#8 PEM (made once per process: slow).
std::string rsa_private_key_pem();

}  // namespace trafficcop_test
