#include "attestd/verify/options.hpp"

#include <map>
#include <set>
#include <sstream>

namespace attest {
namespace {

const std::set<std::string, std::less<>> kValueFlags = {
    "url", "measurements", "ak-pub", "ak-ca", "instance", "cacert", "jwks-url", "config-pcr",
    "connect-to"};
const std::set<std::string, std::less<>> kBoolFlags = {"json", "no-pki-check",
                                                       "require-secure-boot", "help"};

common::Error usage_error(std::string message) {
  return {common::Error::Kind::invalid_input, std::move(message)};
}

// --name=value, --name value, or a bare boolean --name.
common::Result<std::map<std::string, std::string>> split_args(int argc, char** argv) {
  std::map<std::string, std::string> out;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!arg.starts_with("--")) return std::unexpected(usage_error("unexpected argument " + arg));
    arg = arg.substr(2);
    std::string value = "true";
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      if (!kValueFlags.contains(arg)) return std::unexpected(usage_error("unknown flag --" + arg));
    } else if (kValueFlags.contains(arg)) {
      if (i + 1 >= argc) return std::unexpected(usage_error("--" + arg + " needs a value"));
      value = argv[++i];
    } else if (!kBoolFlags.contains(arg)) {
      return std::unexpected(usage_error("unknown flag --" + arg));
    }
    out[arg] = value;
  }
  return out;
}

bool is_instance_name(const std::string& text) {
  const auto first = text.find('/');
  const auto second = text.find('/', first == std::string::npos ? first : first + 1);
  return first != std::string::npos && first > 0 && second != std::string::npos &&
         second > first + 1 && second + 1 < text.size() &&
         text.find('/', second + 1) == std::string::npos;
}

std::optional<std::string> take(std::map<std::string, std::string>& args, const char* name) {
  auto it = args.find(name);
  if (it == args.end()) return std::nullopt;
  return it->second;
}

}  // namespace

common::Result<VerifyOptions> parse_verify_command_line(int argc, char** argv) {
  auto args = split_args(argc, argv);
  if (!args) return std::unexpected(args.error());
  VerifyOptions o;
  o.help = args->contains("help");
  if (o.help) return o;
  auto url = take(*args, "url");
  auto measurements = take(*args, "measurements");
  if (!url || !measurements) return std::unexpected(usage_error("--url and --measurements are required"));
  o.url = *url;
  while (o.url.ends_with("/")) o.url.pop_back();
  o.measurements = *measurements;
  o.ak_ca = take(*args, "ak-ca");
  o.ak_pub = take(*args, "ak-pub");
  o.instance = take(*args, "instance");
  if (o.instance && !is_instance_name(*o.instance)) {
    return std::unexpected(usage_error("--instance must be PROJECT/ZONE/NAME-OR-ID"));
  }
  if (auto pcr = take(*args, "config-pcr")) {
    if (pcr->empty() || pcr->size() > 2 || pcr->find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(*pcr) > 15) {
      return std::unexpected(usage_error("--config-pcr must be 0 to 15"));
    }
    o.config_pcr = static_cast<unsigned>(std::stoi(*pcr));
  }
  o.require_secure_boot = args->contains("require-secure-boot");
  o.jwks_url = take(*args, "jwks-url");
  o.cacert = take(*args, "cacert");
  o.no_pki_check = args->contains("no-pki-check");
  if (auto map = take(*args, "connect-to")) {
    std::stringstream entries(*map);
    for (std::string entry; std::getline(entries, entry, ',');) {
      if (!entry.empty()) o.connect_to.push_back(entry);
    }
  }
  o.json = args->contains("json");
  return o;
}

const std::string_view kVerifyUsage =
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
    "exit: 0 PASS, 1 FAIL, 2 could not check\n";

}  // namespace attest
