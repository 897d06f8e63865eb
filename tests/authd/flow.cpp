#include "flow.hpp"

#include "common/crypto.hpp"

namespace authd_test {

std::string oidc_clients_json() {
  auto hash = [](const std::string& s) { return common::crypto::hex(common::crypto::sha256(s)); };
  common::json clients = common::json::array();
  for (const auto* rp : {&kWebApp, &kOtherApp}) {
    clients.push_back({{"client_id", rp->client_id},
                       {"redirect_uris", {rp->redirect_uri}},
                       {"client_secret_sha256", hash(rp->secret)}});
  }
  for (const auto* rp : {&kSpa, &kNative}) {
    clients.push_back(
        {{"client_id", rp->client_id}, {"redirect_uris", {rp->redirect_uri}}, {"public", true}});
  }
  return clients.dump();
}

AuthorizeParams authorize_params(const RelyingParty& rp) {
  AuthorizeParams params;
  params.client_id = rp.client_id;
  params.redirect_uri = rp.redirect_uri;
  return params;
}

std::string authorize_url(const std::string& issuer, const AuthorizeParams& p) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"response_type", "code"}, {"client_id", p.client_id}, {"redirect_uri", p.redirect_uri},
      {"scope", p.scope},        {"state", p.state},         {"nonce", p.nonce}};
  if (!p.code_challenge.empty()) {
    fields.emplace_back("code_challenge", p.code_challenge);
    fields.emplace_back("code_challenge_method", "S256");
  }
  for (const auto& e : p.extra) fields.push_back(e);
  return issuer + "/authorize?" + common::form_encode(fields);
}

Pkce make_pkce() {
  Pkce pkce;
  pkce.verifier = common::crypto::base64url(*common::crypto::random_bytes(48));
  pkce.challenge = common::crypto::base64url(common::crypto::sha256(pkce.verifier));
  return pkce;
}

common::Result<common::HttpResponse> post_token(
    const std::string& issuer, const std::string& ca_pem, const Form& form,
    const std::optional<std::pair<std::string, std::string>>& basic) {
  common::HttpRequest request;
  request.method = "POST";
  request.url = issuer + "/token";
  request.ca_pem = ca_pem;
  request.only_ca_pem = true;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  if (basic) {
    request.headers.emplace_back(
        "Authorization", "Basic " + common::crypto::base64(common::url_encode(basic->first) + ":" +
                                                           common::url_encode(basic->second)));
  }
  request.body = common::form_encode(form);
  return common::http_request(request);
}

common::Result<common::HttpResponse> get_with_bearer(const std::string& url,
                                                     const std::string& ca_pem,
                                                     const std::string& token) {
  common::HttpRequest request;
  request.url = url;
  request.ca_pem = ca_pem;
  request.only_ca_pem = true;
  request.headers = {{"Authorization", "Bearer " + token}};
  return common::http_request(request);
}

common::Result<common::json> get_json(const std::string& url, const std::string& ca_pem) {
  common::HttpRequest request;
  request.url = url;
  request.ca_pem = ca_pem;
  request.only_ca_pem = true;
  auto response = common::http_request(request);
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) {
    return common::fail(common::Error::Kind::environment,
                        "HTTP " + std::to_string(response->status));
  }
  return common::parse_json(response->body);
}

Form code_form(const std::string& code, const std::string& redirect_uri,
               const std::string& verifier) {
  Form form = {
      {"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", redirect_uri}};
  if (!verifier.empty()) form.emplace_back("code_verifier", verifier);
  return form;
}

}  // namespace authd_test
