#include "attestd/verify/verifier.hpp"

#include <algorithm>
#include <set>

#include "common/crypto.hpp"
#include "common/ipc_contracts.hpp"
#include "attestd/verify/bindings.hpp"
#include "attestd/verify/event_log.hpp"
#include "attestd/verify/tpm_quote.hpp"

namespace attest {
namespace {

using common::Error;
using common::fail;
using common::json;
namespace crypto = common::crypto;

// A check's outcome: on success, the words that say what was proven.
using Outcome = common::Result<std::string>;

Outcome refuse(std::string message) {
  return std::unexpected(Error{Error::Kind::invalid_input, std::move(message)});
}

constexpr unsigned kFirmwareReplayedPcrs = 10;  // 0-9
constexpr unsigned kStubPcr = 11;

class Checks {
 public:
  bool add(std::string name, const Outcome& outcome) {
    checks_.push_back(
        Check{std::move(name), outcome.has_value(), outcome ? *outcome : outcome.error().message});
    return outcome.has_value();
  }
  bool all_passed() const {
    return !checks_.empty() &&
           std::all_of(checks_.begin(), checks_.end(), [](const Check& c) { return c.passed; });
  }
  std::vector<Check> take() { return std::move(checks_); }

 private:
  std::vector<Check> checks_;
};

// What the checks learn along the way, for the checks after them.
struct Findings {
  std::optional<ParsedQuote> quote;
  std::optional<TcgEventLog> log;
  std::map<unsigned, std::string> firmware_replay;
  ConfigValues config;
  std::string ak_anchor;
  std::optional<GceInstanceIdentity> instance;
  SecureBootState secure_boot{std::nullopt, "unknown: no verified event log"};
};

Outcome check_signature(const Evidence& e) {
  auto ak = crypto::load_public_key_pem(e.ak_public_pem);
  if (!ak) return refuse("the AK is not a PEM public key");
  auto status = verify_quote_signature(ak->get(), e.quote, e.signature);
  if (!status) return std::unexpected(status.error());
  return "valid AK signature over the quote";
}

Outcome check_qualifying_data(const Evidence& e, const Expectations& x, const Findings& f) {
  auto qualifying = qualifying_data(x.nonce, e.bindings);
  if (!qualifying) return std::unexpected(qualifying.error());
  if (!f.quote || f.quote->extra_data != *qualifying) {
    return refuse("the quote's qualifying data is not SHA-256(nonce ‖ SHA-256(bindings))");
  }
  return "binds the nonce and the bindings";
}

Outcome check_pcr_digest(const Evidence& e, const Findings& f) {
  if (!f.quote) return refuse("no quote to compare with");
  std::set<unsigned> quoted;
  for (const auto& selection : f.quote->selections) {
    if (selection.hash_alg != kTpmAlgSha256 && !selection.indices.empty()) {
      return refuse("the quote covers a bank other than sha256");
    }
    quoted.insert(selection.indices.begin(), selection.indices.end());
  }
  for (const auto& [index, value] : e.pcrs) {
    if (!quoted.contains(index)) {
      return refuse("PCR " + std::to_string(index) + " is reported but not quoted");
    }
  }
  auto digest = expected_pcr_digest(f.quote->selections, e.pcrs);
  if (!digest) return std::unexpected(digest.error());
  if (*digest != f.quote->pcr_digest) {
    return refuse("the reported PCR values do not match the quote's digest");
  }
  return std::to_string(e.pcrs.size()) + " sha256 PCRs match the quote";
}

Outcome check_pcr_selection(const Evidence& e, const Expectations& x) {
  for (unsigned pcr : required_quoted_pcrs(x.config_pcr)) {
    if (!e.pcrs.contains(pcr)) return refuse("PCR " + std::to_string(pcr) + " is not quoted");
  }
  return "the quote covers PCRs 0-9, 11 and " + std::to_string(x.config_pcr);
}

Outcome check_ak(const Evidence& e, const Expectations& x, Findings& f) {
  auto ak = crypto::load_public_key_pem(e.ak_public_pem);
  if (!ak) return refuse("the AK is not a PEM public key");
  std::optional<VerifiedAkCertificate> certified;
  std::optional<Error> certificate_error;
  if (!e.ak_certificate_pem) {
    certificate_error = Error{Error::Kind::invalid_input, "the machine sent no AK certificate"};
  } else if (!x.ak_anchors) {
    certificate_error = Error{Error::Kind::invalid_input, "no trust anchor for AK certificates"};
  } else if (auto v = verify_ak_certificate(*e.ak_certificate_pem, ak->get(), *x.ak_anchors)) {
    certified = std::move(*v);
  } else {
    certificate_error = v.error();
  }
  if (certified) f.instance = certified->identity;
  std::string identity = f.instance ? " for " + describe_identity(*f.instance) : "";
  if (x.pinned_ak_pem) {
    auto pinned = crypto::load_public_key_pem(*x.pinned_ak_pem);
    if (!pinned) return refuse("the pinned AK (--ak-pub) is not a PEM public key");
    auto a = crypto::spki_der(ak->get());
    auto b = crypto::spki_der(pinned->get());
    if (!a || !b || *a != *b) return refuse("the AK is not the pinned one (--ak-pub)");
    f.ak_anchor = "pinned (--ak-pub)";
    return "equals the pinned AK (--ak-pub)" + (certified ? ", certified" + identity : "");
  }
  if (!certified) {
    return refuse("the AK is not certified by a trusted CA: " + certificate_error->message);
  }
  f.ak_anchor = x.ak_anchors->description;
  return "certified by " + x.ak_anchors->description + identity;
}

Outcome check_instance(const Expectations& x, const Findings& f) {
  if (!f.instance) return refuse("no verified instance identity to compare with " + *x.instance);
  if (!identity_matches(*f.instance, *x.instance)) {
    return refuse("the AK belongs to " + describe_identity(*f.instance) + ", not " + *x.instance);
  }
  return "the AK belongs to " + describe_identity(*f.instance);
}

std::string pcr_hex(const std::map<unsigned, std::string>& pcrs, unsigned index) {
  auto it = pcrs.find(index);
  return crypto::hex(it == pcrs.end() ? std::string(32, '\0') : it->second);
}

Outcome check_event_log(const Evidence& e, Findings& f) {
  if (!e.event_log) return refuse("the firmware event log is missing");
  auto log = parse_tcg_event_log(*e.event_log);
  if (!log) return std::unexpected(log.error());
  auto replay = replay_sha256(*log);
  if (!replay) return std::unexpected(replay.error());
  std::vector<unsigned> replayed(kFirmwareReplayedPcrs);
  for (unsigned i = 0; i < kFirmwareReplayedPcrs; ++i) replayed[i] = i;
  replayed.push_back(kStubPcr);
  for (unsigned pcr : replayed) {
    auto quoted = e.pcrs.find(pcr);
    if (quoted == e.pcrs.end()) return refuse("PCR " + std::to_string(pcr) + " is not quoted");
    if (pcr_hex(*replay, pcr) != crypto::hex(quoted->second)) {
      return refuse("the event log does not replay to PCR " + std::to_string(pcr) + " (log gives " +
                    pcr_hex(*replay, pcr) + ", quote has " + crypto::hex(quoted->second) + ")");
    }
  }
  for (const auto& [pcr, value] : *replay) {
    auto quoted = e.pcrs.find(pcr);
    if (quoted != e.pcrs.end() && quoted->second != value) {
      return refuse("the event log does not replay to PCR " + std::to_string(pcr));
    }
  }
  f.firmware_replay = std::move(*replay);
  f.secure_boot = secure_boot_state(*log);
  f.log = std::move(*log);
  return "the firmware log replays to PCRs 0-9 and 11";
}

Outcome check_boot_applications_in_log(const Expectations& x, const Findings& f) {
  if (!f.log) return refuse("PCR 4 cannot be judged without a verified event log");
  auto status = check_boot_applications(*f.log, x.build.events.at(4));
  if (!status) return std::unexpected(status.error());
  return "PCR 4: the firmware started exactly the build's UKI and kernel";
}

Outcome check_measurements(const Evidence& e, const Expectations& x) {
  for (const auto& [index, value] : x.build.pcrs) {
    auto it = e.pcrs.find(index);
    if (it == e.pcrs.end()) return refuse("PCR " + std::to_string(index) + " is not quoted");
    if (it->second != value) {
      return refuse("PCR " + std::to_string(index) + " is " + crypto::hex(it->second) +
                    ", the build predicts " + crypto::hex(value));
    }
  }
  return "PCR 9 and 11 equal the build's";
}

Outcome check_stub_events(const Expectations& x, const Findings& f) {
  if (!f.log) return refuse("the stubs' events cannot be checked without a verified event log");
  for (unsigned pcr : {9U, 11U}) {
    auto status = check_pcr_events(*f.log, pcr, x.build.events.at(pcr));
    if (!status) return std::unexpected(status.error());
  }
  return "the log's PCR 9 and 11 events are the build's";
}

Outcome check_secure_boot(const Findings& f) {
  if (f.secure_boot.enabled != true) {
    return refuse("Secure Boot is required but is " + f.secure_boot.detail);
  }
  return "Secure Boot " + f.secure_boot.detail;
}

// The configuration PCR must be explained in full: a log that leaves out
// events (or says nothing at all) must not pass as "no configuration".
Outcome check_runtime_log(const Evidence& e, const Expectations& x, Findings& f) {
  auto replay = replay_runtime_log(e.runtime_events, f.firmware_replay);
  if (!replay) return std::unexpected(replay.error());
  for (const auto& event : e.runtime_events) {
    if (event["pcr"].get<std::uint64_t>() != x.config_pcr) {
      return refuse("a runtime event is for PCR " +
                    std::to_string(event["pcr"].get<std::uint64_t>()) + ", expected only PCR " +
                    std::to_string(x.config_pcr));
    }
  }
  auto quoted = e.pcrs.find(x.config_pcr);
  if (quoted == e.pcrs.end()) {
    return refuse("the configuration PCR " + std::to_string(x.config_pcr) + " is not quoted");
  }
  if (pcr_hex(replay->pcrs, x.config_pcr) != crypto::hex(quoted->second)) {
    return refuse("the runtime log does not replay to PCR " + std::to_string(x.config_pcr) +
                  " (log gives " + pcr_hex(replay->pcrs, x.config_pcr) + ", quote has " +
                  crypto::hex(quoted->second) + ")");
  }
  for (auto key : common::contract::attestd::measured_keys) {
    if (!replay->config.contains(std::string(key))) {
      return refuse("the runtime log does not measure \"" + std::string(key) +
                    "\" (the configuration was not measured in full)");
    }
  }
  f.config = std::move(replay->config);
  return "the runtime configuration log replays and measures every key";
}

std::optional<std::string> bound(const Evidence& e, std::string_view key) {
  auto it = e.bindings.find(key);
  if (it == e.bindings.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

Outcome check_tls_binding(const Evidence& e, const Expectations& x) {
  if (!x.tls_spki_sha256_hex) return refuse("the connection's TLS key is unknown");
  if (bound(e, kBindingTlsSpki) != x.tls_spki_sha256_hex) {
    return refuse("the connection's TLS key is not the one bound into the quote");
  }
  return "the connection's TLS key is bound into the quote";
}

Outcome check_jwks_binding(const Evidence& e, const Expectations& x) {
  if (bound(e, kBindingJwks) != x.jwks_sha256_hex) {
    return refuse("the JWKS served is not the one bound into the quote");
  }
  if (!x.jwks_tls_spki_sha256_hex || bound(e, kBindingTlsSpki) != x.jwks_tls_spki_sha256_hex) {
    return refuse("the JWKS endpoint's TLS key is not the one bound into the quote");
  }
  return "authd's JWKS and its endpoint are bound into the quote";
}

void run_checks(const Evidence& e, const Expectations& x, Checks& checks, Findings& f) {
  checks.add("nonce", e.nonce == x.nonce ? Outcome("matches the fresh nonce")
                                         : refuse("the answer is for another nonce (replayed?)"));
  checks.add("signature", check_signature(e));
  auto quote = parse_quote(e.quote);
  if (quote) f.quote = *quote;
  checks.add("quote", quote ? Outcome("TPM-generated quote") : std::unexpected(quote.error()));
  checks.add("qualifying_data", check_qualifying_data(e, x, f));
  checks.add("pcr_digest", check_pcr_digest(e, f));
  checks.add("pcr_selection", check_pcr_selection(e, x));
  checks.add("ak", check_ak(e, x, f));
  if (x.instance) checks.add("instance", check_instance(x, f));
  checks.add("event_log", check_event_log(e, f));
  checks.add("boot_applications", check_boot_applications_in_log(x, f));
  checks.add("measurements", check_measurements(e, x));
  checks.add("stub_events", check_stub_events(x, f));
  if (x.require_secure_boot) checks.add("secure_boot", check_secure_boot(f));
  checks.add("runtime_log", check_runtime_log(e, x, f));
  checks.add("tls_binding", check_tls_binding(e, x));
  if (x.jwks_sha256_hex) checks.add("jwks_binding", check_jwks_binding(e, x));
}

}  // namespace

std::vector<unsigned> required_quoted_pcrs(unsigned config_pcr) {
  std::vector<unsigned> pcrs = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, kStubPcr};
  if (std::find(pcrs.begin(), pcrs.end(), config_pcr) == pcrs.end()) pcrs.push_back(config_pcr);
  return pcrs;
}

VerificationReport verify_attestation(const json& document, const Expectations& expected) {
  Checks checks;
  VerificationReport report;
  auto evidence = parse_evidence(document);
  if (!checks.add("evidence",
                  evidence ? Outcome("well-formed") : std::unexpected(evidence.error()))) {
    report.evidence_malformed = true;
    report.checks = checks.take();
    return report;
  }
  Findings findings;
  run_checks(*evidence, expected, checks, findings);
  if (checks.all_passed()) {
    report.verified =
        VerifiedAttestation{evidence->pcrs,          std::move(findings.config), evidence->bindings,
                            evidence->ak_public_pem, findings.ak_anchor,         findings.instance,
                            findings.secure_boot};
  }
  report.checks = checks.take();
  return report;
}

std::string printable(std::string_view untrusted) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : untrusted) {
    const auto byte = static_cast<unsigned char>(c);
    // Only printable ASCII passes: control characters (ESC first of all)
    // and any non-ASCII byte (C1 controls are two-byte UTF-8) are escaped.
    if (byte >= 0x20 && byte < 0x7f && c != '\\') {
      out += c;
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

json report_json(const VerificationReport& report) {
  json checks = json::array();
  for (const auto& c : report.checks) {
    checks.push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}});
  }
  json out = {{"result", report.passed() ? "PASS" : "FAIL"}, {"checks", checks}};
  if (!report.verified) return out;
  const VerifiedAttestation& v = *report.verified;
  json config = json::object();
  for (const auto& [key, value] : v.config) config[key] = value ? json(*value) : json(nullptr);
  out["config"] = config;
  out["pcrs"] = pcr_values_json(v.pcrs);
  out["bindings"] = v.bindings;
  out["ak_anchor"] = v.ak_anchor;
  out["ak_pinned"] = v.ak_anchor == "pinned (--ak-pub)";
  out["secure_boot"] = v.secure_boot.enabled ? json(*v.secure_boot.enabled) : json(nullptr);
  if (v.instance) {
    out["instance"] = {{"zone", v.instance->zone},
                       {"project_id", v.instance->project_id},
                       {"project_number", v.instance->project_number},
                       {"instance_id", v.instance->instance_id},
                       {"instance_name", v.instance->instance_name}};
  }
  return out;
}

std::string report_text(const VerificationReport& report) {
  std::string out;
  for (const auto& c : report.checks) {
    out += (c.passed ? "PASS  " : "FAIL  ") + c.name + ": " + printable(c.detail) + "\n";
  }
  if (report.verified) {
    const VerifiedAttestation& v = *report.verified;
    out +=
        "instance: " +
        (v.instance ? printable(describe_identity(*v.instance)) : std::string("(not certified)")) +
        "\n";
    out += "secure boot: " + printable(v.secure_boot.detail) + "\n";
    out += "firmware PCRs (reported, not judged):\n";
    for (unsigned pcr : {0U, 1U, 2U, 3U, 5U, 6U, 7U}) {
      out += "  " + std::to_string(pcr) + " = " + pcr_hex(v.pcrs, pcr) + "\n";
    }
    out += "runtime configuration:\n";
    for (const auto& [key, value] : v.config) {
      out += "  " + printable(key) + " = " + (value ? printable(*value) : std::string("(absent)")) +
             "\n";
    }
  }
  out += report.passed() ? "PASS\n" : "FAIL\n";
  return out;
}

}  // namespace attest
