#include "verify/verifier.hpp"

#include <charconv>

#include "common/crypto.hpp"
#include "verify/bindings.hpp"
#include "verify/event_log.hpp"
#include "verify/tpm_quote.hpp"

namespace attest {
namespace {

using common::Error;
using common::fail;
using common::json;
namespace crypto = common::crypto;

// The evidence fields, decoded; anything malformed stops verification early.
struct Evidence {
  std::string nonce;
  std::string quote;
  std::string signature;
  std::map<unsigned, std::string> pcrs;
  std::string ak_pem;
  std::optional<std::string> event_log;
  json runtime_events;
  json bindings;
};

common::Result<unsigned> parse_pcr_index(const std::string& text) {
  unsigned index = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || index > 23 ||
      (text.size() > 1 && text[0] == '0')) {
    return fail(Error::Kind::invalid_input, "bad PCR index \"" + text + "\"");
  }
  return index;
}

common::Result<std::map<unsigned, std::string>> parse_pcr_map(const json& object) {
  if (!object.is_object()) return fail(Error::Kind::invalid_input, "PCR values are not an object");
  std::map<unsigned, std::string> out;
  for (const auto& [key, value] : object.items()) {
    auto index = parse_pcr_index(key);
    if (!index) return std::unexpected(index.error());
    if (!value.is_string()) return fail(Error::Kind::invalid_input, "PCR " + key + " is not hex");
    auto raw = crypto::unhex(value.get<std::string>());
    if (!raw || raw->size() != 32) {
      return fail(Error::Kind::invalid_input, "PCR " + key + " is not a 32-byte hex value");
    }
    out[*index] = std::move(*raw);
  }
  return out;
}

common::Result<std::string> base64_field(const json& evidence, const char* name) {
  if (!evidence.contains(name) || !evidence[name].is_string()) {
    return fail(Error::Kind::invalid_input, std::string(name) + " missing or not a string");
  }
  auto raw = crypto::base64_decode(evidence[name].get<std::string>());
  if (!raw) return fail(Error::Kind::invalid_input, std::string(name) + " is not base64");
  return *raw;
}

common::Result<Evidence> decode_evidence(const json& e) {
  if (!e.is_object()) return fail(Error::Kind::invalid_input, "response is not a JSON object");
  Evidence out;
  if (!e.contains("nonce") || !e["nonce"].is_string()) {
    return fail(Error::Kind::invalid_input, "nonce missing");
  }
  auto nonce = crypto::unhex(e["nonce"].get<std::string>());
  if (!nonce) return fail(Error::Kind::invalid_input, "nonce is not hex");
  out.nonce = *nonce;
  auto quote = base64_field(e, "quote");
  if (!quote) return std::unexpected(quote.error());
  out.quote = *quote;
  auto signature = base64_field(e, "signature");
  if (!signature) return std::unexpected(signature.error());
  out.signature = *signature;
  if (e.value("pcr_bank", "") != "sha256") {
    return fail(Error::Kind::invalid_input, "pcr_bank is not sha256");
  }
  auto pcrs = parse_pcr_map(e.value("pcrs", json()));
  if (!pcrs) return std::unexpected(pcrs.error());
  out.pcrs = *pcrs;
  if (!e.contains("ak_public_pem") || !e["ak_public_pem"].is_string()) {
    return fail(Error::Kind::invalid_input, "ak_public_pem missing");
  }
  out.ak_pem = e["ak_public_pem"].get<std::string>();
  if (e.contains("event_log") && !e["event_log"].is_null()) {
    auto log = base64_field(e, "event_log");
    if (!log) return std::unexpected(log.error());
    out.event_log = *log;
  }
  out.runtime_events = e.value("runtime_events", json::array());
  if (!e.contains("bindings")) return fail(Error::Kind::invalid_input, "bindings missing");
  out.bindings = e["bindings"];
  return out;
}

class Checks {
 public:
  bool add(std::string name, const common::Status& status, std::string ok_detail = "") {
    checks_.push_back(Check{std::move(name), status.has_value(),
                            status ? std::move(ok_detail) : status.error().message});
    return status.has_value();
  }
  bool all_passed() const {
    for (const auto& c : checks_) {
      if (!c.passed) return false;
    }
    return !checks_.empty();
  }
  std::vector<Check> take() { return std::move(checks_); }

 private:
  std::vector<Check> checks_;
};

common::Status check_ak(const std::string& ak_pem, const std::optional<std::string>& pinned) {
  auto ak = crypto::load_public_key_pem(ak_pem);
  if (!ak) return fail(Error::Kind::invalid_input, "AK is not a PEM public key");
  if (!pinned) return {};
  auto want = crypto::load_public_key_pem(*pinned);
  if (!want)
    return fail(Error::Kind::invalid_input, "pinned AK (--ak-pub) is not a PEM public key");
  auto a = crypto::spki_der(ak->get());
  auto b = crypto::spki_der(want->get());
  if (!a || !b || *a != *b) {
    return fail(Error::Kind::invalid_input, "AK is not the pinned one");
  }
  return {};
}

common::Status check_pcr_selection(const ParsedQuote& quote,
                                   const std::map<unsigned, std::string>& reported) {
  std::map<unsigned, bool> quoted;
  for (const auto& selection : quote.selections) {
    if (selection.hash_alg != kTpmAlgSha256 && !selection.indices.empty()) {
      return fail(Error::Kind::invalid_input, "quote covers a bank other than sha256");
    }
    for (unsigned index : selection.indices) quoted[index] = true;
  }
  for (const auto& [index, value] : reported) {
    if (!quoted.contains(index)) {
      return fail(Error::Kind::invalid_input,
                  "PCR " + std::to_string(index) + " is reported but not quoted");
    }
  }
  auto digest = expected_pcr_digest(quote.selections, reported);
  if (!digest) return std::unexpected(digest.error());
  if (*digest != quote.pcr_digest) {
    return fail(Error::Kind::invalid_input, "reported PCR values do not match the quote's digest");
  }
  return {};
}

common::Status compare_replay(const std::map<unsigned, std::string>& replayed,
                              const std::map<unsigned, std::string>& reported, const char* what) {
  for (const auto& [index, value] : replayed) {
    auto it = reported.find(index);
    if (it == reported.end()) continue;  // not quoted: nothing to compare with
    if (it->second != value) {
      return fail(Error::Kind::invalid_input, std::string(what) + " does not replay to PCR " +
                                                  std::to_string(index) + " (log gives " +
                                                  crypto::hex(value) + ", quote has " +
                                                  crypto::hex(it->second) + ")");
    }
  }
  return {};
}

// The configuration PCR must be explained in full: a log that leaves out
// events (or says nothing at all) must not pass as "no configuration".
common::Status check_config_pcr(const RuntimeReplay& replay, const json& events,
                                const std::map<unsigned, std::string>& reported,
                                unsigned config_pcr) {
  for (const auto& event : events) {
    if (event.value("pcr", config_pcr) != config_pcr) {
      return fail(Error::Kind::invalid_input,
                  "runtime event for PCR " + std::to_string(event.value("pcr", 0U)) +
                      ", expected only PCR " + std::to_string(config_pcr));
    }
  }
  auto quoted = reported.find(config_pcr);
  if (quoted == reported.end()) {
    return fail(Error::Kind::invalid_input,
                "configuration PCR " + std::to_string(config_pcr) + " is not quoted");
  }
  auto replayed = replay.pcrs.find(config_pcr);
  std::string value = replayed == replay.pcrs.end() ? std::string(32, '\0') : replayed->second;
  if (value != quoted->second) {
    return fail(Error::Kind::invalid_input, "runtime log does not replay to PCR " +
                                                std::to_string(config_pcr) + " (log gives " +
                                                crypto::hex(value) + ", quote has " +
                                                crypto::hex(quoted->second) + ")");
  }
  return compare_replay(replay.pcrs, reported, "runtime log");
}

}  // namespace

VerificationReport verify_attestation(const json& evidence_json, const Expectations& expected) {
  Checks checks;
  VerificationReport report;
  auto evidence = decode_evidence(evidence_json);
  if (!checks.add("evidence", evidence ? common::Status{} : std::unexpected(evidence.error()),
                  "well-formed")) {
    report.checks = checks.take();
    return report;
  }
  const Evidence& e = *evidence;

  checks.add("nonce",
             e.nonce == expected.nonce
                 ? common::Status{}
                 : fail(Error::Kind::invalid_input, "response is for another nonce (replayed?)"),
             "matches the fresh nonce");
  checks.add("ak", check_ak(e.ak_pem, expected.pinned_ak_pem),
             expected.pinned_ak_pem ? "equals the pinned AK"
                                    : "NOT pinned (pass --ak-pub to tie the quote to a TPM)");

  common::Status signature_status = fail(Error::Kind::invalid_input, "AK unusable");
  if (auto ak = crypto::load_public_key_pem(e.ak_pem)) {
    signature_status = verify_quote_signature(ak->get(), e.quote, e.signature);
  }
  checks.add("signature", signature_status, "valid AK signature over the quote");

  auto quote = parse_quote(e.quote);
  checks.add("quote", quote ? common::Status{} : std::unexpected(quote.error()),
             "TPM-generated quote");

  auto qualifying = qualifying_data(expected.nonce, e.bindings);
  common::Status qd_status;
  if (!qualifying) {
    qd_status = std::unexpected(qualifying.error());
  } else if (!quote || quote->extra_data != *qualifying) {
    qd_status = fail(Error::Kind::invalid_input,
                     "quote's qualifying data is not SHA-256(nonce ‖ SHA-256(bindings))");
  }
  checks.add("qualifying_data", qd_status, "binds the nonce and the bindings");

  checks.add("pcr_digest",
             quote ? check_pcr_selection(*quote, e.pcrs)
                   : fail(Error::Kind::invalid_input, "no quote to compare with"),
             std::to_string(e.pcrs.size()) + " sha256 PCRs match the quote");

  std::map<unsigned, std::string> firmware_replay;
  common::Status log_status;
  if (!e.event_log) {
    log_status = fail(Error::Kind::invalid_input, "firmware event log missing");
  } else if (auto log = parse_tcg_event_log(*e.event_log); !log) {
    log_status = std::unexpected(log.error());
  } else if (auto replay = replay_sha256(*log); !replay) {
    log_status = std::unexpected(replay.error());
  } else {
    firmware_replay = *replay;
    log_status = compare_replay(firmware_replay, e.pcrs, "event log");
  }
  checks.add("event_log", log_status, "firmware event log replays to the quoted PCRs");

  ConfigValues config;
  common::Status runtime_status;
  if (auto runtime = replay_runtime_log(e.runtime_events, firmware_replay); !runtime) {
    runtime_status = std::unexpected(runtime.error());
  } else {
    config = runtime->config;
    runtime_status = check_config_pcr(*runtime, e.runtime_events, e.pcrs, expected.config_pcr);
  }
  checks.add("runtime_log", runtime_status, "runtime configuration log replays");

  common::Status measurement_status;
  for (const auto& [index, value] : expected.pcrs) {
    auto it = e.pcrs.find(index);
    if (it == e.pcrs.end()) {
      measurement_status = fail(Error::Kind::invalid_input,
                                "PCR " + std::to_string(index) + " expected but not quoted");
      break;
    }
    if (it->second != value) {
      measurement_status = fail(Error::Kind::invalid_input, "PCR " + std::to_string(index) +
                                                                " is " + crypto::hex(it->second) +
                                                                ", expected " + crypto::hex(value));
      break;
    }
  }
  checks.add("measurements", measurement_status,
             std::to_string(expected.pcrs.size()) + " PCRs equal the local build's");

  common::Status tls_status;
  const json& bound = e.bindings.is_object() ? e.bindings.value(kBindingTlsSpki, json()) : json();
  if (!expected.tls_spki_sha256_hex) {
    tls_status = fail(Error::Kind::invalid_input, "the connection's TLS key is unknown");
  } else if (!bound.is_string() || bound.get<std::string>() != *expected.tls_spki_sha256_hex) {
    tls_status = fail(Error::Kind::invalid_input,
                      "the connection's TLS key is not the one bound into the quote");
  }
  checks.add("tls_binding", tls_status, "the connection's TLS key is bound into the quote");

  if (expected.jwks_sha256_hex) {
    const json& jwks = e.bindings.is_object() ? e.bindings.value(kBindingJwks, json()) : json();
    common::Status jwks_status;
    if (!jwks.is_string() || jwks.get<std::string>() != *expected.jwks_sha256_hex) {
      jwks_status =
          fail(Error::Kind::invalid_input, "the JWKS served is not the one bound into the quote");
    } else if (!bound.is_string() ||
               expected.jwks_tls_spki_sha256_hex != bound.get<std::string>()) {
      jwks_status = fail(Error::Kind::invalid_input,
                         "the JWKS endpoint's TLS key is not the one bound into the quote");
    }
    checks.add("jwks_binding", jwks_status,
               "authd's JWKS and its endpoint are bound into the quote");
  }

  if (checks.all_passed()) {
    report.verified = VerifiedAttestation{e.pcrs, config, e.bindings, e.ak_pem,
                                          expected.pinned_ak_pem.has_value()};
  }
  report.checks = checks.take();
  return report;
}

common::Result<std::map<unsigned, std::string>> parse_measurements(const json& document) {
  if (!document.is_object() || !document.contains("pcrs") || !document["pcrs"].is_object() ||
      !document["pcrs"].contains("sha256")) {
    return fail(Error::Kind::invalid_input, "measurements: no pcrs.sha256 object");
  }
  auto pcrs = parse_pcr_map(document["pcrs"]["sha256"]);
  if (!pcrs) return std::unexpected(common::wrap(pcrs.error(), "measurements"));
  return pcrs;
}

json report_json(const VerificationReport& report) {
  json checks = json::array();
  for (const auto& c : report.checks) {
    checks.push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}});
  }
  json out = {{"result", report.passed() ? "PASS" : "FAIL"}, {"checks", checks}};
  if (report.verified) {
    json config = json::object();
    for (const auto& [key, value] : report.verified->config) {
      config[key] = value ? json(*value) : json(nullptr);
    }
    json pcrs = json::object();
    for (const auto& [index, value] : report.verified->pcrs) {
      pcrs[std::to_string(index)] = crypto::hex(value);
    }
    out["config"] = config;
    out["pcrs"] = pcrs;
    out["bindings"] = report.verified->bindings;
    out["ak_pinned"] = report.verified->ak_pinned;
  }
  return out;
}

std::string report_text(const VerificationReport& report) {
  std::string out;
  for (const auto& c : report.checks) {
    out += (c.passed ? "PASS  " : "FAIL  ") + c.name + ": " + c.detail + "\n";
  }
  if (report.verified) {
    out += "runtime configuration:\n";
    for (const auto& [key, value] : report.verified->config) {
      out += "  " + key + " = " + (value ? *value : std::string("(absent)")) + "\n";
    }
  }
  out += report.passed() ? "PASS\n" : "FAIL\n";
  return out;
}

}  // namespace attest
