// attest-verify: the operator's check of a live appliance. Asks attestd for
// a quote over a fresh nonce and verifies it (verify/verifier.hpp).
//
//   attest-verify --url https://HOST:PORT --measurements measurements.json
//                 [--ak-ca ca.pem | --ak-pub ak.pem] [--instance P/Z/N]
//                 [--require-secure-boot] [--jwks-url https://DOMAIN/jwks.json]
//                 [--cacert ca.pem] [--no-pki-check] [--connect-to MAP] [--json]
//
// Exit codes: 0 PASS, 1 FAIL (the evidence is wrong), 2 could not check
// (usage, network, the server answered with an error or with evidence that
// cannot be read). PASS needs a trust anchor for the AK: Google's EK/AK CA
// (built in), the CA of --ak-ca, or the key of --ak-pub.

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "common/crypto.hpp"
#include "common/http_client.hpp"
#include "common/json.hpp"
#include "common/x509.hpp"
#include "attestd/verify/verifier.hpp"

namespace {

constexpr int kPass = 0;
constexpr int kFail = 1;
constexpr int kCouldNotCheck = 2;
constexpr std::size_t kNonceBytes = 32;

const std::set<std::string> kValueFlags = {"url",      "measurements", "ak-pub",
                                           "ak-ca",    "instance",     "cacert",
                                           "jwks-url", "config-pcr",   "connect-to"};
const std::set<std::string> kBoolFlags = {"json", "no-pki-check", "require-secure-boot", "help"};

void usage() {
  std::fputs(
      "usage: attest-verify --url https://HOST:PORT --measurements measurements.json\n"
      "                     [--ak-ca ca.pem | --ak-pub ak.pem] [--instance P/Z/N]\n"
      "                     [--require-secure-boot] [--jwks-url URL] [--cacert ca.pem]\n"
      "                     [--no-pki-check] [--connect-to MAP] [--json]\n"
      "  --ak-ca         trust AK certificates that chain to the CA certificates in\n"
      "                  this file instead of Google's EK/AK CA (built in); the\n"
      "                  local simulation prints its own\n"
      "  --ak-pub        pin the attestation key instead (e.g. from gcloud compute\n"
      "                  instances get-shielded-identity)\n"
      "  --instance      require the AK certificate to name this instance:\n"
      "                  PROJECT/ZONE/NAME-OR-ID (PROJECT: id or number)\n"
      "  --require-secure-boot  FAIL unless PCR 7's log proves Secure Boot on\n"
      "  --jwks-url      also check that authd's JWKS (e.g. https://DOMAIN/jwks.json)\n"
      "                  and the TLS key serving it are bound into the quote\n"
      "  --config-pcr    PCR of the runtime configuration log (default 15)\n"
      "  --cacert        trust only this CA bundle for the TLS connection\n"
      "  --no-pki-check  accept any TLS certificate; the connection's key must\n"
      "                  still be the one bound into the quote\n"
      "  --connect-to    HOST:PORT:TO-HOST:TO-PORT[,...]: reach the URL's host at\n"
      "                  another address (a VM by IP, a port forward) while TLS\n"
      "                  still checks the name in the URL\n"
      "  --json          print the report as JSON\n"
      "exit: 0 PASS, 1 FAIL, 2 could not check\n",
      stderr);
}

std::optional<std::map<std::string, std::string>> parse_args(int argc, char** argv) {
  std::map<std::string, std::string> out;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!arg.starts_with("--")) return std::nullopt;
    arg = arg.substr(2);
    std::string value;
    auto eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      if (!kValueFlags.contains(arg)) return std::nullopt;
    } else if (kValueFlags.contains(arg)) {
      if (i + 1 >= argc) return std::nullopt;
      value = argv[++i];
    } else if (kBoolFlags.contains(arg)) {
      value = "true";
    } else {
      return std::nullopt;
    }
    out[arg] = value;
  }
  return out;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int could_not_check(const std::string& message) {
  std::fprintf(stderr, "attest-verify: unable to check: %s\n", attest::printable(message).c_str());
  return kCouldNotCheck;
}

// The AK's trust anchors: --ak-ca replaces Google's built-in CA.
common::Result<std::shared_ptr<const attest::AkAnchors>> ak_anchors(
    const std::map<std::string, std::string>& args) {
  auto anchors = [&]() -> common::Result<attest::AkAnchors> {
    if (!args.contains("ak-ca")) return attest::google_ak_anchors();
    auto pem = read_file(args.at("ak-ca"));
    if (!pem)
      return common::fail(common::Error::Kind::invalid_input, "cannot read " + args.at("ak-ca"));
    return attest::ak_anchors_from_pem(*pem, "the CA of --ak-ca " + args.at("ak-ca"));
  }();
  if (!anchors) return std::unexpected(anchors.error());
  return std::make_shared<const attest::AkAnchors>(std::move(*anchors));
}

bool is_instance_name(const std::string& text) {
  const auto first = text.find('/');
  const auto second = text.find('/', first == std::string::npos ? first : first + 1);
  return first != std::string::npos && first > 0 && second != std::string::npos &&
         second > first + 1 && second + 1 < text.size() &&
         text.find('/', second + 1) == std::string::npos;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = parse_args(argc, argv);
  if (!args || args->contains("help") || !args->contains("url") ||
      !args->contains("measurements")) {
    usage();
    return kCouldNotCheck;
  }
  attest::Expectations expected;
  auto measurements_text = read_file(args->at("measurements"));
  if (!measurements_text) return could_not_check("cannot read " + args->at("measurements"));
  auto measurements_json = common::parse_json(*measurements_text);
  if (!measurements_json)
    return could_not_check("measurements: " + measurements_json.error().message);
  auto measurements = attest::parse_measurements(*measurements_json);
  if (!measurements) return could_not_check(measurements.error().message);
  expected.build = std::move(*measurements);
  auto anchors = ak_anchors(*args);
  if (!anchors) return could_not_check(anchors.error().message);
  expected.ak_anchors = std::move(*anchors);
  if (args->contains("instance")) {
    if (!is_instance_name(args->at("instance"))) {
      return could_not_check("--instance must be PROJECT/ZONE/NAME-OR-ID");
    }
    expected.instance = args->at("instance");
  }
  expected.require_secure_boot = args->contains("require-secure-boot");
  if (args->contains("config-pcr")) {
    const std::string& text = args->at("config-pcr");
    if (text.empty() || text.size() > 2 ||
        text.find_first_not_of("0123456789") != std::string::npos || std::stoi(text) > 15) {
      return could_not_check("--config-pcr must be 0 to 15");
    }
    expected.config_pcr = static_cast<unsigned>(std::stoi(text));
  }
  if (args->contains("ak-pub")) {
    auto pem = read_file(args->at("ak-pub"));
    if (!pem) return could_not_check("cannot read " + args->at("ak-pub"));
    expected.pinned_ak_pem = *pem;
  }

  common::HttpRequest request;
  std::string url = args->at("url");
  while (url.ends_with("/")) url.pop_back();
  auto nonce = common::crypto::random_bytes(kNonceBytes);
  if (!nonce) return could_not_check(nonce.error().message);
  expected.nonce = *nonce;
  request.url = url + "/v1/attestation?nonce=" + common::crypto::hex(*nonce);
  request.capture_peer_certificate = true;
  request.timeout = std::chrono::seconds(30);
  if (args->contains("cacert")) {
    auto ca = read_file(args->at("cacert"));
    if (!ca) return could_not_check("cannot read " + args->at("cacert"));
    request.ca_pem = *ca;
    request.only_ca_pem = true;
  }
  // Safe to skip PKI checks: the verifier still demands that the key of
  // this very connection is the one the TPM quote binds (check tls_binding).
  if (args->contains("no-pki-check")) request.verify_tls = false;
  if (args->contains("connect-to")) {
    std::stringstream entries(args->at("connect-to"));
    for (std::string entry; std::getline(entries, entry, ',');) {
      if (!entry.empty()) request.connect_to.push_back(entry);
    }
  }

  if (args->contains("jwks-url")) {
    common::HttpRequest jwks_request = request;
    jwks_request.url = args->at("jwks-url");
    auto jwks = common::http_request(jwks_request);
    if (!jwks) return could_not_check("JWKS: " + jwks.error().message);
    if (jwks->status != 200)
      return could_not_check("JWKS: server answered " + std::to_string(jwks->status));
    expected.jwks_sha256_hex = common::crypto::hex(common::crypto::sha256(jwks->body));
    if (auto leaf = common::x509::describe_leaf_pem(jwks->peer_certificate_pem)) {
      expected.jwks_tls_spki_sha256_hex = common::crypto::hex(leaf->spki_sha256);
    }
  }

  auto response = common::http_request(request);
  if (!response) return could_not_check(response.error().message);
  if (response->status != 200) {
    return could_not_check("server answered " + std::to_string(response->status) + ": " +
                           response->body.substr(0, 300));
  }
  if (auto leaf = common::x509::describe_leaf_pem(response->peer_certificate_pem)) {
    expected.tls_spki_sha256_hex = common::crypto::hex(leaf->spki_sha256);
  }
  auto evidence = common::parse_json(response->body);
  attest::VerificationReport report =
      attest::verify_attestation(evidence ? *evidence : common::json(), expected);
  if (args->contains("json")) {
    // ASCII only: a C1 control (U+0080-U+009F) from the server must not reach
    // the terminal raw either.
    std::printf("%s\n",
                attest::report_json(report)
                    .dump(2, ' ', /*ensure_ascii=*/true, common::json::error_handler_t::replace)
                    .c_str());
  } else {
    std::fputs(attest::report_text(report).c_str(), stdout);
  }
  if (report.evidence_malformed) return kCouldNotCheck;
  return report.passed() ? kPass : kFail;
}
