#include "attestd/verify/live_check.hpp"

#include <fstream>
#include <sstream>

#include "common/crypto.hpp"
#include "common/http_client.hpp"
#include "common/json.hpp"
#include "common/x509.hpp"

namespace attest {
namespace {

constexpr std::size_t kNonceBytes = 32;

common::Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return common::fail(common::Error::Kind::invalid_input, "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The AK's trust anchors: --ak-ca replaces Google's built-in CA.
common::Result<std::shared_ptr<const AkAnchors>> ak_anchors(const VerifyOptions& options) {
  auto anchors = [&]() -> common::Result<AkAnchors> {
    if (!options.ak_ca) return google_ak_anchors();
    auto pem = read_file(*options.ak_ca);
    if (!pem) return std::unexpected(pem.error());
    return ak_anchors_from_pem(*pem, "the CA of --ak-ca " + *options.ak_ca);
  }();
  if (!anchors) return std::unexpected(anchors.error());
  return std::make_shared<const AkAnchors>(std::move(*anchors));
}

// nullopt when no certificate could be read: the binding check then says it
// could not be made, rather than comparing against nothing.
std::optional<std::string> spki_hex_of(const std::string& peer_certificate_pem) {
  auto leaf = common::x509::describe_leaf_pem(peer_certificate_pem);
  if (!leaf) return std::nullopt;
  return common::crypto::hex(leaf->spki_sha256);
}

common::HttpRequest base_request(const VerifyOptions& options) {
  common::HttpRequest request;
  request.capture_peer_certificate = true;
  request.timeout = std::chrono::seconds(30);
  // Safe to skip PKI checks: the verifier still demands that the key of
  // this very connection is the one the TPM quote binds (check tls_binding).
  request.verify_tls = !options.no_pki_check;
  request.connect_to = options.connect_to;
  return request;
}

}  // namespace

common::Result<Expectations> expectations_from(const VerifyOptions& options) {
  Expectations expected;
  auto text = read_file(options.measurements);
  if (!text) return std::unexpected(text.error());
  auto document = common::parse_json(*text);
  if (!document) return std::unexpected(common::wrap(document.error(), "measurements"));
  auto measurements = parse_measurements(*document);
  if (!measurements) return std::unexpected(measurements.error());
  expected.build = std::move(*measurements);
  auto anchors = ak_anchors(options);
  if (!anchors) return std::unexpected(anchors.error());
  expected.ak_anchors = std::move(*anchors);
  expected.instance = options.instance;
  expected.require_secure_boot = options.require_secure_boot;
  if (options.config_pcr) expected.config_pcr = *options.config_pcr;
  if (options.ak_pub) {
    auto pem = read_file(*options.ak_pub);
    if (!pem) return std::unexpected(pem.error());
    expected.pinned_ak_pem = *pem;
  }
  return expected;
}

common::Result<std::string> fetch_evidence(const VerifyOptions& options,
                                           Expectations& expected) {
  common::HttpRequest request = base_request(options);
  if (options.cacert) {
    auto ca = read_file(*options.cacert);
    if (!ca) return std::unexpected(ca.error());
    request.ca_pem = *ca;
    request.only_ca_pem = true;
  }
  if (options.jwks_url) {
    common::HttpRequest jwks_request = request;
    jwks_request.url = *options.jwks_url;
    auto jwks = common::http_request(jwks_request);
    if (!jwks) return std::unexpected(common::wrap(jwks.error(), "JWKS"));
    if (jwks->status != 200) {
      return common::fail(common::Error::Kind::environment,
                          "JWKS: server answered " + std::to_string(jwks->status));
    }
    expected.jwks_sha256_hex = common::crypto::hex(common::crypto::sha256(jwks->body));
    expected.jwks_tls_spki_sha256_hex = spki_hex_of(jwks->peer_certificate_pem);
  }
  auto nonce = common::crypto::random_bytes(kNonceBytes);
  if (!nonce) return std::unexpected(nonce.error());
  expected.nonce = *nonce;
  request.url = options.url + "/v1/attestation?nonce=" + common::crypto::hex(*nonce);
  auto response = common::http_request(request);
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) {
    return common::fail(common::Error::Kind::environment,
                        "server answered " + std::to_string(response->status) + ": " +
                            response->body.substr(0, 300));
  }
  expected.tls_spki_sha256_hex = spki_hex_of(response->peer_certificate_pem);
  return response->body;
}

}  // namespace attest
