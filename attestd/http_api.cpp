#include "attestd/http_api.hpp"

#include <fstream>
#include <sstream>

#include "attestd/status_report.hpp"
#include "attestd/verify/bindings.hpp"
#include "attestd/verify/evidence.hpp"
#include "common/crypto.hpp"
#include "common/ipc_client.hpp"
#include "common/ipc_contracts.hpp"
#include "common/log.hpp"

#ifndef APPLIANCE_VERSION
#define APPLIANCE_VERSION "unknown"
#endif

namespace attestd {

const char* const kVersion = APPLIANCE_VERSION;

namespace {

using common::Error;
using common::fail;
using common::json;
namespace crypto = common::crypto;

constexpr std::size_t kMaxEventLogBytes = 8U << 20;

void send_json(common::http::Response& response, int status, const json& body) {
  response.status = status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(common::dump_json(body, 2) + "\n", "application/json");
}

void send_error(common::http::Response& response, int status, std::string_view code,
                std::string_view message) {
  send_json(response, status, {{"error", {{"code", code}, {"message", message}}}});
}

int status_for(const Error& error) {
  switch (error.kind) {
    case Error::Kind::invalid_input:
      return 400;
    case Error::Kind::not_found:
      return 404;
    case Error::Kind::permission:
      return 403;
    case Error::Kind::environment:
      return 503;
    case Error::Kind::internal:
      return 500;
  }
  return 500;
}

// nullopt when the log does not exist (no TPM event log on this machine).
common::Result<std::optional<std::string>> read_event_log(const std::filesystem::path& path) {
  if (path.empty()) return std::optional<std::string>();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::optional<std::string>();
    return fail(Error::Kind::environment, "unable to read event log " + path.string());
  }
  std::string data;
  char buffer[16384];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    data.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (data.size() > kMaxEventLogBytes) {
      return fail(Error::Kind::internal, "unable to read event log: larger than 8 MiB");
    }
  }
  return std::optional<std::string>(std::move(data));
}

json init_services() {
  auto client = common::ipc::Client::connect(
      common::contract::socket_path(common::contract::init::socket), std::chrono::seconds(1));
  if (!client) return {{"error", client.error().message}};
  auto reply = client->call(common::contract::init::status);
  if (!reply) return {{"error", reply.error().message}};
  // Passed on only as the contract defines it: what an operator reads in
  // /v1/status is what init reported, field by field.
  auto status = common::contract::InitStatus::from_json(*reply);
  if (!status) return {{"error", status.error().message}};
  return status->to_json();
}

// egressd's month: bytes, cap, state (docs/traffic-cop.md).
json egress_status() {
  auto client = common::ipc::Client::connect(
      common::contract::socket_path(common::contract::egressd::socket), std::chrono::seconds(1));
  if (!client) return {{"error", client.error().message}};
  auto reply = client->call(common::contract::egressd::status);
  if (!reply) return {{"error", reply.error().message}};
  auto status = common::contract::EgressStatus::from_json(*reply);
  if (!status) return {{"error", status.error().message}};
  return status->to_json();
}

class Api {
 public:
  Api(Attester& attester, RuntimeConfig& runtime, BindingState& bindings, HttpApiOptions options)
      : attester_(attester), runtime_(runtime), bindings_(bindings), options_(std::move(options)) {}

  void attestation(const common::http::Request& request, common::http::Response& response) {
    auto nonce = parse_nonce(request);
    if (!nonce) return send_error(response, 400, "bad_nonce", nonce.error().message);
    // Evidence with a half-measured configuration would prove nothing about
    // the configuration the daemons run with.
    if (!runtime_.measured()) {
      return send_error(response, 503, "config_not_measured",
                        "the runtime configuration is not measured yet");
    }
    json bindings = bindings_.current();
    auto qualifying = attest::qualifying_data(*nonce, bindings);
    if (!qualifying) return send_error(response, 500, "internal", qualifying.error().message);
    auto event_log = read_event_log(options_.event_log);
    if (!event_log)
      return send_error(response, status_for(event_log.error()), "event_log",
                        event_log.error().message);

    // The quote and the runtime log are taken under one TPM lock, so that no
    // re-measurement falls between them.
    auto tpm = attester_.lock();
    auto quote = attester_.quote(*qualifying, options_.pcrs);
    if (!quote) {
      return send_error(response, status_for(quote.error()), "tpm_unavailable",
                        quote.error().message);
    }
    auto identity = attester_.identity();
    if (!identity) {
      return send_error(response, status_for(identity.error()), "tpm_unavailable",
                        identity.error().message);
    }
    json runtime_events = runtime_.log_json();
    tpm.unlock();

    attest::Evidence evidence;
    evidence.nonce = *nonce;
    evidence.qualifying_data = *qualifying;
    evidence.quote = quote->attest;
    evidence.signature = quote->signature;
    evidence.pcrs = quote->pcrs;
    evidence.ak_public_pem = identity->ak_public_pem;
    evidence.ak_source = identity->ak_source;
    evidence.ak_certificate_pem = identity->ak_certificate_pem;
    evidence.ek_public_pem = identity->ek_public_pem;
    evidence.ek_certificate_pem = identity->ek_certificate_pem;
    evidence.event_log = *event_log;
    evidence.runtime_events = std::move(runtime_events);
    evidence.config_pcr = runtime_.pcr();
    evidence.bindings = std::move(bindings);
    send_json(response, 200, attest::evidence_json(evidence));
  }

  // From memory (status_report.hpp): never waits on the TPM or a peer.
  void status(const common::http::Request&, common::http::Response& response) const {
    const auto snapshot = report_.latest();
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(StatusReport::Clock::now() -
                                                                      snapshot.composed_at);
    if (age > StatusReport::kStaleAfter) {
      return send_error(response, 503, "status_stale",
                        "the status has not been refreshed for " + std::to_string(age.count()) +
                            " s: a TPM command or a peer does not answer");
    }
    response.status = 200;
    response.set_header("Cache-Control", "no-store");
    response.set_content(*snapshot.body, "application/json");
  }

 private:
  common::json compose_status() {
    return {{"attestd", {{"version", options_.version}}},
            {"tpm", attester_.status()},
            {"runtime_config", runtime_.status()},
            {"bindings", bindings_.current()},
            {"init", init_services()},
            {"egress", egress_status()}};
  }

  Attester& attester_;
  RuntimeConfig& runtime_;
  BindingState& bindings_;
  HttpApiOptions options_;
  StatusReport report_{[this] { return compose_status(); }};  // last: it uses the above
};

}  // namespace

common::Result<std::string> parse_nonce(const common::http::Request& request) {
  if (request.get_param_value_count("nonce") != 1) {
    return fail(Error::Kind::invalid_input, "exactly one nonce parameter is required");
  }
  const std::string text = request.get_param_value("nonce");
  if (text.size() % 2 != 0)
    return fail(Error::Kind::invalid_input, "nonce has an odd number of hex digits");
  if (text.size() < 2 * kMinNonceBytes || text.size() > 2 * kMaxNonceBytes) {
    return fail(Error::Kind::invalid_input, "nonce must be 16 to 64 bytes (32 to 128 hex digits)");
  }
  auto raw = crypto::unhex(text);
  if (!raw) return fail(Error::Kind::invalid_input, "nonce is not hex");
  return *raw;
}

void install_http_api(common::http::Router& router, Attester& attester, RuntimeConfig& runtime,
                      BindingState& bindings, HttpApiOptions options) {
  auto api = std::make_shared<Api>(attester, runtime, bindings, std::move(options));
  // Evidence waits on the TPM: a worker thread. Status is a copy from memory.
  router.get("/v1/attestation", [api](const auto& q, auto& r) { api->attestation(q, r); });
  router.get(
      "/v1/status", [api](const auto& q, auto& r) { api->status(q, r); },
      common::http::Dispatch::io_thread);
  // The server's own refusals (404, 405, 413, 431...) get JSON too.
  router.set_error_handler([](int status, common::http::Response& response) {
    send_error(response, status,
               status == 404   ? "not_found"
               : status == 503 ? "busy"
                               : "bad_request",
               common::http::reason_phrase(status));
  });
}

}  // namespace attestd
