#include "authd/config_loader.hpp"

#include <array>
#include <string_view>

#include "common/crypto.hpp"
#include "common/log.hpp"

namespace authd {
namespace {

using common::Error;
using common::fail;

constexpr std::array<std::string_view, 7> kKeys = {
    "domain",          "paypal_client_id", "paypal_environment", "paypal_authorize_url",
    "paypal_api_base", "oidc_clients",     "extra_ca_pem"};

// Where the secret comes from, without reading it from Secret Manager.
common::Result<std::string> secret_origin(const common::MetadataClient& md) {
  auto direct = md.attribute("paypal_client_secret");
  if (direct) return "attribute:" + common::crypto::hex(common::crypto::sha256(*direct));
  if (direct.error().kind != Error::Kind::not_found) {
    return std::unexpected(common::wrap(direct.error(), "unable to read paypal_client_secret"));
  }
  auto ref = md.attribute("paypal_client_secret_ref");
  if (ref) return "ref:" + *ref;
  if (ref.error().kind == Error::Kind::not_found) return std::string("none");
  return std::unexpected(common::wrap(ref.error(), "unable to read paypal_client_secret_ref"));
}

}  // namespace

std::span<const std::string_view> config_keys() { return kKeys; }

ConfigInputs in_force(ConfigInputs inputs, const Config& config) {
  inputs.secret_sha256 = common::crypto::sha256(config.paypal_client_secret);
  return inputs;
}

common::Result<std::map<std::string, std::string>> load_values(ConfigSource source,
                                                               const common::MetadataClient& md) {
  return common::config::load_values(source, md, kKeys);
}

common::Result<ConfigInputs> load_inputs(ConfigSource source, const common::MetadataClient& md) {
  auto values = load_values(source, md);
  if (!values) return std::unexpected(values.error());
  return inputs_from(std::move(*values), md);
}

common::Result<ConfigInputs> inputs_from(std::map<std::string, std::string> values,
                                         const common::MetadataClient& md) {
  auto origin = secret_origin(md);
  if (!origin) return std::unexpected(origin.error());
  return ConfigInputs{std::move(values), std::move(*origin), {}};
}

common::Result<std::string> load_paypal_secret(const common::MetadataClient& md,
                                               SecretManagerOptions secret_manager) {
  auto direct = md.attribute("paypal_client_secret");
  if (direct) return *direct;
  if (direct.error().kind != Error::Kind::not_found) {
    return std::unexpected(common::wrap(direct.error(), "unable to read paypal_client_secret"));
  }
  auto ref = md.attribute("paypal_client_secret_ref");
  if (!ref) {
    if (ref.error().kind == Error::Kind::not_found) {
      return fail(Error::Kind::invalid_input,
                  "neither paypal_client_secret nor paypal_client_secret_ref is set");
    }
    return std::unexpected(common::wrap(ref.error(), "unable to read paypal_client_secret_ref"));
  }
  auto token = md.service_account_token();
  if (!token) {
    return std::unexpected(common::wrap(token.error(), "unable to get a service account token"));
  }
  auto secret = access_secret_version(*ref, token->token, secret_manager);
  if (!secret) return std::unexpected(secret.error());
  common::log::info(common::log::Event{"secret.read"}, "read PayPal client secret",
                    {{"secret", *ref}});
  // A secret stored with a trailing newline (echo ... | gcloud secrets create)
  // is a classic mistake; PayPal secrets never end in whitespace.
  while (!secret->empty() && (secret->back() == '\n' || secret->back() == '\r')) {
    secret->pop_back();
  }
  return *secret;
}

common::Result<Config> resolve_config(const ConfigInputs& inputs, const common::MetadataClient& md,
                                      SecretManagerOptions secret_manager) {
  if (secret_manager.ca_pem.empty()) {
    auto ca = inputs.values.find("extra_ca_pem");
    if (ca != inputs.values.end()) secret_manager.ca_pem = ca->second;
  }
  auto secret = load_paypal_secret(md, std::move(secret_manager));
  if (!secret) return std::unexpected(secret.error());
  return parse_config(inputs.values, std::move(*secret));
}

common::Result<Config> load_config(ConfigSource source, const common::MetadataClient& md,
                                   SecretManagerOptions secret_manager) {
  auto inputs = load_inputs(source, md);
  if (!inputs) return std::unexpected(inputs.error());
  return resolve_config(*inputs, md, std::move(secret_manager));
}

}  // namespace authd
