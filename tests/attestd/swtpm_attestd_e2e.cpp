// The attestd binary on a real swtpm, checked by the attest-verify binary
// (and tpm2_checkquote): the round trip, every failure mode with its reason,
// HTTP errors, a TPM outage, and the measured configuration over IPC.
#include <gtest/gtest.h>

#include <httplib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <tss2/tss2_mu.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <thread>

#include "attestd/verify/bindings.hpp"
#include "attestd/verify/boot_events.hpp"
#include "attestd/verify/event_log.hpp"
#include "attestd/verify/evidence.hpp"
#include "attestd/verify/google_ak_roots.hpp"
#include "attestd/verify/verifier.hpp"
#include "common/crypto.hpp"
#include "common/http_client.hpp"
#include "common/ipc_client.hpp"
#include "common/ipc_contracts.hpp"
#include "common/ipc_publisher.hpp"
#include "common/ipc_server.hpp"
#include "common/x509.hpp"
#include "fixtures/gce_vtpm.hpp"
#include "fixtures/metadata_server.hpp"
#include "fixtures/process.hpp"
#include "fixtures/swtpm.hpp"
#include "swtpm_helpers.hpp"

namespace {

using common::json;
namespace crypto = common::crypto;
using attest_test::read_file;
using attest_test::write_file;

using attest_test::firmware_events;
using attest_test::measurements_for;
// One event of the log (digest = sha256 of its data).
attest::TcgEvent event(std::uint32_t pcr, std::uint32_t type, std::string data) {
  return attest_test::firmware_event(pcr, type, std::move(data));
}

// One CA for the whole suite (RSA key generation is the slow part).
const fixtures::AkCertificateAuthority& test_ca() {
  static const fixtures::AkCertificateAuthority ca("Test EK/AK CA");
  return ca;
}

struct VerifyRun {
  int exit_code = -1;
  json report;
  std::string output;
  bool failed_check(const std::string& name) const {
    for (const auto& c : report.value("checks", json::array())) {
      if (c["name"] == name) return !c["passed"].get<bool>();
    }
    return false;
  }
  std::string detail(const std::string& name) const {
    for (const auto& c : report.value("checks", json::array())) {
      if (c["name"] == name) return c["detail"];
    }
    return "";
  }
};

class Attestd : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& e : firmware_events()) {
      ASSERT_TRUE(attest_test::extend(tpm_, e.pcr, e.digests.at(attest::kTpmAlgSha256)));
    }
    event_log_ = dir_.path() / "binary_bios_measurements";
    write_file(event_log_, attest::write_tcg_event_log_sha256(firmware_events()));
    measurements_ = dir_.path() / "measurements.json";
    write_file(measurements_, measurements_for(firmware_events()).dump());
    ak_ca_ = dir_.path() / "ak-ca.pem";
    write_file(ak_ca_, test_ca().root_pem() + test_ca().intermediate_pem());
    auto ak = fixtures::provision_gce_ak(tpm_, test_ca(), fixtures::simulated_instance());
    ASSERT_TRUE(ak) << ak.error().message;

    metadata_.set_instance_attribute("domain", "login.example.com");
    metadata_.set_instance_attribute("paypal_environment", "sandbox");
    metadata_.set_project_attribute("acme_directory", "https://acme.example/directory");
    metadata_.set_project_attribute("domain", "project-level.example.com");  // instance wins
    metadata_.set_instance_attribute("paypal_client_secret", "never measured");
    start_attestd();
  }

  void start_attestd(const std::vector<std::string>& extra = {},
                     const std::map<std::string, std::string>& env = {}, bool wait = true) {
    port_ = fixtures::free_tcp_port();
    fixtures::ProcessOptions options;
    options.argv = {fixtures::project_binary("attestd").string(),
                    "--tcti=" + tpm_.tcti(),
                    "--host=127.0.0.1",
                    "--port=" + std::to_string(port_),
                    "--event-log=" + event_log_.string(),
                    "--state-dir=" + (dir_.path() / "state").string()};
    options.argv.insert(options.argv.end(), extra.begin(), extra.end());
    options.env = {{"APPLIANCE_RUN_DIR", (dir_.path() / "run").string()},
                   {"GCE_METADATA_HOST", metadata_.address()}};
    for (const auto& [k, v] : env) options.env[k] = v;
    options.log_file = dir_.path() / "attestd.log";
    attestd_ = std::make_unique<fixtures::Process>(std::move(options));
    ASSERT_TRUE(fixtures::wait_for_tcp_port(port_, std::chrono::seconds(10))) << log();
    if (!wait) return;
    ASSERT_TRUE(fixtures::wait_until(
        [&] {
          auto status = get("/v1/status");
          return status && status->status == 200 &&
                 common::parse_json(status->body).value_or(json())["runtime_config"]["measured"] ==
                     true;
        },
        std::chrono::seconds(20)))
        << log();
  }

  std::string log() const { return read_file(dir_.path() / "attestd.log"); }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

  common::Result<common::HttpResponse> get(const std::string& target) const {
    common::HttpRequest request;
    request.url = url() + target;
    request.verify_tls = false;  // bootstrap self-signed certificate; the binding is what counts
    request.capture_peer_certificate = true;
    return common::http_request(request);
  }

  json status() const {
    auto response = get("/v1/status");
    return common::parse_json(response ? response->body : "").value_or(json());
  }

  json evidence(const std::string& nonce) const {
    auto response = get("/v1/attestation?nonce=" + crypto::hex(nonce));
    EXPECT_TRUE(response && response->status == 200) << (response ? response->body : "");
    return common::parse_json(response ? response->body : "").value_or(json());
  }

  // attest-verify against this attestd (or `target`), trusting the test CA
  // for AK certificates unless `anchored` is false (then Google's CA, built
  // in, is all it trusts).
  VerifyRun verify(const std::vector<std::string>& extra = {}, std::string target = "",
                   bool anchored = true) const {
    std::vector<std::string> argv = {fixtures::project_binary("attest-verify").string(),
                                     "--url",
                                     target.empty() ? url() : target,
                                     "--measurements",
                                     measurements_.string(),
                                     "--no-pki-check",
                                     "--json"};
    if (anchored) argv.insert(argv.end(), {"--ak-ca", ak_ca_.string()});
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto result = fixtures::run_command(argv, std::chrono::seconds(60));
    VerifyRun run{result.exit_code, json(), result.output};
    auto start = result.output.find('{');
    if (start != std::string::npos) {
      run.report = common::parse_json(result.output.substr(start)).value_or(json());
    }
    return run;
  }

  fixtures::Swtpm tpm_;
  fixtures::TempDir dir_;
  fixtures::MetadataServer metadata_;
  std::filesystem::path event_log_;
  std::filesystem::path measurements_;
  std::filesystem::path ak_ca_;
  int port_ = 0;
  std::unique_ptr<fixtures::Process> attestd_;
};

TEST_F(Attestd, RoundTripPassesAndTpm2CheckquoteAgrees) {
  auto run = verify();
  EXPECT_EQ(run.exit_code, 0) << run.output << log();
  EXPECT_EQ(run.report["result"], "PASS");
  EXPECT_EQ(run.report["config"]["domain"], "login.example.com");
  EXPECT_EQ(run.report["config"]["acme_directory"], "https://acme.example/directory");
  EXPECT_TRUE(run.report["config"]["oidc_clients"].is_null());  // absent, recorded as such
  EXPECT_FALSE(run.report["config"].contains("paypal_client_secret"));

  std::string nonce(32, '\x5a');
  json e = evidence(nonce);
  EXPECT_EQ(e["pcr_bank"], "sha256");
  EXPECT_EQ(e["pcrs"].size(), 16u);
  EXPECT_EQ(e["ak_source"], "gce-nv-ecc");
  EXPECT_TRUE(e["ak_certificate_pem"].is_string());
  EXPECT_EQ(run.report["ak_anchor"].get<std::string>().find("the CA of --ak-ca"), 0u) << run.output;
  EXPECT_EQ(run.report["instance"]["instance_name"], "appliance");
  EXPECT_EQ(run.report["instance"]["project_id"], "appliance-simulation");
  EXPECT_EQ(run.report["secure_boot"], false);
  EXPECT_TRUE(e["ek_public_pem"].is_string());
  EXPECT_TRUE(e["ek_certificate_pem"].is_null());
  EXPECT_EQ(e["config_pcr"], 15);
  auto check = attest_test::tpm2_checkquote(
      dir_.path(), e["ak_public_pem"], *crypto::base64_decode(e["quote"].get<std::string>()),
      *crypto::base64_decode(e["signature"].get<std::string>()),
      *crypto::unhex(e["qualifying_data"].get<std::string>()));
  EXPECT_EQ(check.exit_code, 0) << check.output;

  // Pinning the AK that the machine reported passes too.
  write_file(dir_.path() / "ak.pem", e["ak_public_pem"]);
  auto pinned = verify({"--ak-pub", (dir_.path() / "ak.pem").string()});
  EXPECT_EQ(pinned.exit_code, 0) << pinned.output;
  EXPECT_EQ(pinned.report["ak_pinned"], true);
}

TEST_F(Attestd, ExtendedPcrFailsMeasurements) {
  ASSERT_TRUE(attest_test::extend(tpm_, 9, crypto::sha256("an initramfs with one byte changed")));
  auto run = verify();
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_TRUE(run.failed_check("measurements")) << run.output;
  EXPECT_NE(run.detail("measurements").find("PCR 9"), std::string::npos) << run.output;
}

TEST_F(Attestd, AkThatIsNotThePinnedOneFails) {
  auto other = crypto::generate_p256();
  write_file(dir_.path() / "other.pem", *crypto::public_key_pem(other->get()));
  auto run = verify({"--ak-pub", (dir_.path() / "other.pem").string()});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_TRUE(run.failed_check("ak"));
  EXPECT_NE(run.detail("ak").find("not the pinned"), std::string::npos);
}

TEST_F(Attestd, EventLogThatDoesNotReplayFails) {
  // A well-formed log whose last digest is not what was extended.
  auto events = firmware_events();
  events.back().digests[attest::kTpmAlgSha256][0] ^= 0x01;
  write_file(event_log_, attest::write_tcg_event_log_sha256(events));
  auto run = verify();
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_TRUE(run.failed_check("event_log"));
  EXPECT_NE(run.detail("event_log").find("does not replay to PCR 11"), std::string::npos)
      << run.output;
  EXPECT_FALSE(run.failed_check("measurements"));  // the PCRs themselves are right
  EXPECT_TRUE(run.failed_check("stub_events"));    // but the log cannot vouch for the events
}

TEST_F(Attestd, ConnectionWithAnotherTlsKeyFails) {
  // A relay in the middle with its own key: everything else is genuine.
  fixtures::TempDir relay_dir;
  auto key = crypto::generate_p256();
  write_file(relay_dir.path() / "cert.pem",
             *common::x509::self_signed_pem(key->get(), {"relay"}, std::chrono::hours(1)));
  write_file(relay_dir.path() / "key.pem", *crypto::private_key_pem(key->get()));
  httplib::SSLServer relay((relay_dir.path() / "cert.pem").c_str(),
                           (relay_dir.path() / "key.pem").c_str());
  relay.Get("/v1/attestation", [&](const httplib::Request& q, httplib::Response& r) {
    auto upstream = get("/v1/attestation?nonce=" + q.get_param_value("nonce"));
    r.status = upstream ? static_cast<int>(upstream->status) : 502;
    r.set_content(upstream ? upstream->body : "", "application/json");
  });
  int relay_port = relay.bind_to_any_port("127.0.0.1");
  std::thread relay_thread([&] { relay.listen_after_bind(); });
  auto run = verify({}, "https://127.0.0.1:" + std::to_string(relay_port));
  relay.stop();
  relay_thread.join();
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_TRUE(run.failed_check("tls_binding"));
  EXPECT_FALSE(run.failed_check("signature"));
}

TEST_F(Attestd, TamperedEvidenceIsCaughtWithTheRightReason) {
  std::string nonce = *crypto::random_bytes(32);
  json genuine = evidence(nonce);
  auto peer = get("/v1/status");
  ASSERT_TRUE(peer);
  attest::Expectations expected;
  expected.nonce = nonce;
  expected.build = *attest::parse_measurements(measurements_for(firmware_events()));
  expected.ak_anchors = std::make_shared<const attest::AkAnchors>(*attest::ak_anchors_from_pem(
      test_ca().root_pem() + test_ca().intermediate_pem(), "the test CA"));
  expected.tls_spki_sha256_hex =
      crypto::hex(common::x509::describe_leaf_pem(peer->peer_certificate_pem)->spki_sha256);
  {
    auto report = attest::verify_attestation(genuine, expected);
    ASSERT_TRUE(report.passed()) << attest::report_text(report);
  }

  auto failed = [](const attest::VerificationReport& report, const std::string& name) {
    for (const auto& c : report.checks) {
      if (c.name == name) return !c.passed;
    }
    return false;
  };
  {  // An answer for another nonce (a replay).
    attest::Expectations other = expected;
    other.nonce = *crypto::random_bytes(32);
    auto report = attest::verify_attestation(genuine, other);
    EXPECT_FALSE(report.passed());
    EXPECT_TRUE(failed(report, "nonce"));
    EXPECT_TRUE(failed(report, "qualifying_data"));
    EXPECT_FALSE(failed(report, "signature"));
  }
  {  // A forged signature: one bit of s flipped.
    json forged = genuine;
    std::string sig = *crypto::base64_decode(genuine["signature"].get<std::string>());
    sig[sig.size() - 1] ^= 0x01;
    forged["signature"] = crypto::base64(sig);
    auto report = attest::verify_attestation(forged, expected);
    EXPECT_FALSE(report.passed());
    EXPECT_TRUE(failed(report, "signature"));
  }
  {  // A truncated signature.
    json truncated = genuine;
    std::string sig = *crypto::base64_decode(genuine["signature"].get<std::string>());
    truncated["signature"] = crypto::base64(sig.substr(0, sig.size() - 5));
    auto report = attest::verify_attestation(truncated, expected);
    EXPECT_FALSE(report.passed());
    EXPECT_TRUE(failed(report, "signature"));
  }
  {  // Reported PCR values that are not the quoted ones.
    json lie = genuine;
    lie["pcrs"]["4"] = std::string(64, '0');
    auto report = attest::verify_attestation(lie, expected);
    EXPECT_TRUE(failed(report, "pcr_digest"));
  }
  {  // Bindings swapped for other ones (the TLS key of an impostor).
    json lie = genuine;
    lie["bindings"]["tls_spki_sha256"] = std::string(64, 'a');
    auto report = attest::verify_attestation(lie, expected);
    EXPECT_TRUE(failed(report, "qualifying_data"));
    EXPECT_TRUE(failed(report, "tls_binding"));
  }
  {  // A runtime configuration value rewritten.
    json lie = genuine;
    lie["runtime_events"][0]["value"] = "evil.example";
    auto report = attest::verify_attestation(lie, expected);
    EXPECT_TRUE(failed(report, "runtime_log"));
  }
  {  // The runtime log left out: PCR 15 is then unexplained.
    json lie = genuine;
    lie["runtime_events"] = json::array();
    auto report = attest::verify_attestation(lie, expected);
    EXPECT_TRUE(failed(report, "runtime_log"));
  }
  {  // The genuine answer, but no trust anchor: never PASS.
    attest::Expectations unanchored = expected;
    unanchored.ak_anchors = nullptr;
    auto report = attest::verify_attestation(genuine, unanchored);
    EXPECT_FALSE(report.passed());
    EXPECT_TRUE(failed(report, "ak"));
    EXPECT_FALSE(failed(report, "signature"));
  }
  {  // The AK certificate left out: the AK is then just a key.
    json lie = genuine;
    lie["ak_certificate_pem"] = nullptr;
    EXPECT_TRUE(failed(attest::verify_attestation(lie, expected), "ak"));
  }
  {  // A PCR 4 boot application the build does not know, logged too.
    json lie = genuine;
    auto events = firmware_events();
    events.push_back(event(4, attest::kEvEfiBootServicesApplication, "another UKI"));
    lie["event_log"] = crypto::base64(attest::write_tcg_event_log_sha256(events));
    auto report = attest::verify_attestation(lie, expected);
    EXPECT_TRUE(failed(report, "event_log"));  // the TPM never saw it
    EXPECT_TRUE(failed(report, "boot_applications"));
  }
  {  // Not JSON at all.
    auto report = attest::verify_attestation(json("garbage"), expected);
    EXPECT_TRUE(failed(report, "evidence"));
  }
}

TEST_F(Attestd, BadRequestsGetJsonErrors) {
  struct Case {
    std::string target;
    long status;
  };
  const std::vector<Case> cases = {
      {"/v1/attestation", 400},
      {"/v1/attestation?nonce=abc", 400},                       // odd length
      {"/v1/attestation?nonce=" + std::string(30, 'a'), 400},   // 15 bytes
      {"/v1/attestation?nonce=" + std::string(130, 'a'), 400},  // 65 bytes
      {"/v1/attestation?nonce=" + std::string(64, 'z'), 400},   // not hex
      {"/v1/attestation?nonce=" + std::string(64, 'a') + "&nonce=" + std::string(64, 'b'), 400},
      {"/v1/nothing", 404},
      {"/v1/attestation?nonce=" + std::string(20000, 'a'), 431},  // head over 16 KiB
  };
  for (const auto& c : cases) {
    auto response = get(c.target);
    ASSERT_TRUE(response) << c.target.substr(0, 80);
    EXPECT_EQ(response->status, c.status) << c.target.substr(0, 80);
    auto body = common::parse_json(response->body);
    ASSERT_TRUE(body) << response->body;
    EXPECT_TRUE((*body)["error"]["code"].is_string()) << response->body;
  }
  EXPECT_TRUE(get("/v1/status")) << "attestd survived the bad requests";
}

TEST_F(Attestd, TpmOutageGives503ThenRecovers) {
  tpm_.stop();
  auto during = get("/v1/attestation?nonce=" + std::string(64, 'a'));
  ASSERT_TRUE(during);
  EXPECT_EQ(during->status, 503);
  EXPECT_EQ(common::parse_json(during->body).value_or(json())["error"]["code"], "tpm_unavailable");
  // /v1/status is refreshed once a second (attestd/status_report.hpp).
  EXPECT_TRUE(fixtures::wait_until([&] { return status()["tpm"]["state"] == "unavailable"; },
                                   std::chrono::seconds(5)))
      << status();

  tpm_.start();
  // The restarted TPM was reset, as at a reboot: the firmware measures again.
  for (const auto& e : firmware_events()) {
    ASSERT_TRUE(attest_test::extend(tpm_, e.pcr, e.digests.at(attest::kTpmAlgSha256)));
  }
  EXPECT_TRUE(fixtures::wait_until(
      [&] {
        auto r = get("/v1/attestation?nonce=" + std::string(64, 'b'));
        return r && r->status == 200;
      },
      std::chrono::seconds(10)));
  auto run = verify();  // attestd re-extended the runtime log into the reset PCR
  EXPECT_EQ(run.exit_code, 0) << run.output << log();
}

// /v1/status is served from memory: a TPM that stops answering stalls no
// status request, and once the document is too old to say anything about
// now, the answer says that instead of repeating the last good state.
TEST_F(Attestd, AStalledTpmDoesNotStallStatus) {
  ASSERT_EQ(kill(tpm_.pid(), SIGSTOP), 0);
  struct Resume {
    pid_t pid;
    ~Resume() { kill(pid, SIGCONT); }
  } resume{tpm_.pid()};
  const auto asked = std::chrono::steady_clock::now();
  auto during = get("/v1/status");
  ASSERT_TRUE(during) << during.error().message;
  EXPECT_EQ(during->status, 200) << during->body;
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(1));
  EXPECT_TRUE(fixtures::wait_until(
      [&] {
        auto r = get("/v1/status");
        return r && r->status == 503 &&
               common::parse_json(r->body).value_or(json())["error"]["code"] == "status_stale";
      },
      std::chrono::seconds(15)))
      << status();
  kill(tpm_.pid(), SIGCONT);
  EXPECT_TRUE(fixtures::wait_until(
      [&] {
        auto r = get("/v1/status");
        return r && r->status == 200 && status()["tpm"]["state"] == "ready";
      },
      std::chrono::seconds(15)))
      << status();
}

TEST_F(Attestd, ConcurrentRequestsAllSucceed) {
  std::atomic<int> ok = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        auto r = get("/v1/attestation?nonce=" +
                     crypto::hex(std::string(32, static_cast<char>(t * 3 + i))));
        if (r && r->status == 200) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 12);
}

TEST_F(Attestd, ServesTheMeasuredConfigOverIpcAndRemeasuresChanges) {
  attestd_->stop();
  start_attestd({"--config-poll-seconds=1"});
  // attestd's APPLIANCE_RUN_DIR is not this process's: build the path by hand.
  auto socket = (dir_.path() / "run" / std::string(common::contract::attestd::socket)).string();
  auto client = common::ipc::Client::connect(socket);
  ASSERT_TRUE(client) << client.error().message;
  auto config = client->call(common::contract::attestd::config_get);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ((*config)["config"]["domain"], "login.example.com");
  EXPECT_EQ((*config)["config"]["acme_directory"], "https://acme.example/directory");
  EXPECT_FALSE((*config)["config"].contains("oidc_clients"));

  ASSERT_TRUE(client->subscribe({std::string(common::contract::attestd::config_updated)}));
  metadata_.set_instance_attribute("domain", "id.example.com");
  json updated;
  EXPECT_TRUE(fixtures::wait_until(
      [&] {
        auto event = client->next_event(std::chrono::milliseconds(200));
        if (event) updated = *event;
        return event.has_value();
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(updated["data"]["config"]["domain"], "id.example.com");
  auto run = verify();
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.report["config"]["domain"], "id.example.com");
}

TEST_F(Attestd, RestartWithinABootKeepsTheRuntimeLog) {
  attestd_->stop();
  start_attestd();
  auto run = verify();
  EXPECT_EQ(run.exit_code, 0) << run.output << log();
}

TEST_F(Attestd, StatusReportsTpmConfigAndMissingInit) {
  auto status = common::parse_json(get("/v1/status")->body).value_or(json());
  EXPECT_EQ(status["tpm"]["state"], "ready");
  EXPECT_EQ(status["runtime_config"]["pcr"], 15);
  EXPECT_EQ(status["runtime_config"]["pcr_matches_log"], true);
  EXPECT_TRUE(status["attestd"]["version"].is_string());
  EXPECT_TRUE(status["init"]["error"].is_string());  // no init in this test
  EXPECT_EQ(status["bindings"]["tls_spki_sha256"].get<std::string>().size(), 64u);
}

}  // namespace

namespace {

// acmed's and authd's IPC faces, through the contract's own Publisher and
// payload types, so that attestd's subscriptions and bindings can be
// exercised before those daemons run in this build; the values are what the
// real ones would hand out.
class PeerStandIns {
 public:
  PeerStandIns(const std::filesystem::path& run_dir, const std::string& chain_pem,
               const std::string& key_pem, const std::string& jwks_bytes)
      : work_(boost::asio::make_work_guard(io_)) {
    // The feeds' sockets are under APPLIANCE_RUN_DIR: attestd's, for now.
    const char* saved = std::getenv("APPLIANCE_RUN_DIR");
    const std::string restore = saved != nullptr ? saved : "";
    ::setenv("APPLIANCE_RUN_DIR", run_dir.c_str(), 1);
    acmed_ =
        std::move(*CertificatePublisher::start(io_, common::contract::acmed::certificate_feed));
    authd_ = std::move(*JwksPublisher::start(io_, common::contract::authd::jwks_feed));
    if (saved != nullptr)
      ::setenv("APPLIANCE_RUN_DIR", restore.c_str(), 1);
    else
      ::unsetenv("APPLIANCE_RUN_DIR");
    auto leaf = common::x509::describe_leaf_pem(chain_pem);
    acmed_->publish({chain_pem, key_pem, leaf->not_after.time_since_epoch().count(),
                     /*self_signed=*/true, crypto::hex(leaf->spki_sha256)});
    authd_->publish({*common::parse_json(jwks_bytes), crypto::hex(crypto::sha256(jwks_bytes))});
    thread_ = std::thread([this] { io_.run(); });
  }
  ~PeerStandIns() {
    boost::asio::post(io_, [this] {
      acmed_->close();
      authd_->close();
      work_.reset();
    });
    thread_.join();
  }

 private:
  using CertificatePublisher = common::ipc::Publisher<common::contract::Certificate>;
  using JwksPublisher = common::ipc::Publisher<common::contract::Jwks>;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<CertificatePublisher> acmed_;
  std::unique_ptr<JwksPublisher> authd_;
  std::thread thread_;
};

TEST_F(Attestd, BindsAcmedCertificateAndAuthdJwks) {
  auto key = crypto::generate_p256();
  std::string chain =
      *common::x509::self_signed_pem(key->get(), {"login.example.com"}, std::chrono::hours(1));
  std::string key_pem = *crypto::private_key_pem(key->get());
  std::string spki = crypto::hex(*crypto::spki_sha256(key->get()));
  // As authd serves it: dump_json's form (sorted keys, no spaces), which is
  // what attestd checks the digest against.
  const std::string jwks_bytes = R"({"keys":[{"crv":"P-256","kid":"k1","kty":"EC"}]})";
  attestd_->stop();
  PeerStandIns peers(dir_.path() / "run", chain, key_pem, jwks_bytes);
  start_attestd();
  ASSERT_TRUE(fixtures::wait_until(
      [&] {
        auto status = common::parse_json(get("/v1/status")->body).value_or(json());
        return status["bindings"]["tls_spki_sha256"] == spki &&
               status["bindings"]["jwks_sha256"] == crypto::hex(crypto::sha256(jwks_bytes));
      },
      std::chrono::seconds(20)))
      << log();
  // The certificate was swapped in without a restart: new connections see it.
  auto peer = get("/v1/status");
  EXPECT_EQ(crypto::hex(common::x509::describe_leaf_pem(peer->peer_certificate_pem)->spki_sha256),
            spki);

  // authd's /jwks.json, served with the same certificate (as authd does).
  write_file(dir_.path() / "cert.pem", chain);
  write_file(dir_.path() / "key.pem", key_pem);
  std::string served = jwks_bytes;
  httplib::SSLServer jwks_server((dir_.path() / "cert.pem").c_str(),
                                 (dir_.path() / "key.pem").c_str());
  jwks_server.Get("/jwks.json", [&](const httplib::Request&, httplib::Response& r) {
    r.set_content(served, "application/json");
  });
  int jwks_port = jwks_server.bind_to_any_port("127.0.0.1");
  std::thread jwks_thread([&] { jwks_server.listen_after_bind(); });
  const std::string jwks_url = "https://127.0.0.1:" + std::to_string(jwks_port) + "/jwks.json";
  auto run = verify({"--jwks-url", jwks_url});
  served = R"({"keys":[{"kty":"EC","crv":"P-256","kid":"impostor"}]})";
  auto other = verify({"--jwks-url", jwks_url});
  jwks_server.stop();
  jwks_thread.join();
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.report["bindings"]["tls_spki_sha256"], spki);
  EXPECT_EQ(other.exit_code, 1) << other.output;
  EXPECT_TRUE(other.failed_check("jwks_binding"));
}

}  // namespace

namespace {

TEST_F(Attestd, SaysReadyOnlyOnceTheConfigurationIsMeasured) {
  attestd_->stop();
  auto path = dir_.path() / "notify.sock";
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  auto receive = [fd](int seconds) {
    timeval timeout{seconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char buffer[256] = {};
    ssize_t n = recv(fd, buffer, sizeof buffer - 1, 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  };
  // The metadata server is failing: the configuration cannot be measured.
  metadata_.fail_next(1000000, 503);
  start_attestd({}, {{"NOTIFY_SOCKET", path.string()}}, /*wait=*/false);
  EXPECT_EQ(receive(2), "") << "READY before the configuration was measured";
  EXPECT_EQ(status()["runtime_config"]["measured"], false);
  // No evidence before then: it could not explain the configuration.
  auto early = get("/v1/attestation?nonce=" + std::string(64, 'a'));
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 503);
  EXPECT_EQ(common::parse_json(early->body).value_or(json())["error"]["code"],
            "config_not_measured");

  metadata_.fail_next(0);
  EXPECT_NE(receive(20).find("READY=1"), std::string::npos) << log();
  close(fd);
  // /v1/status is refreshed once a second (attestd/status_report.hpp).
  EXPECT_TRUE(fixtures::wait_until([&] { return status()["runtime_config"]["measured"] == true; },
                                   std::chrono::seconds(5)))
      << status();
}

}  // namespace

namespace {

// An HTTPS server that answers /v1/attestation with whatever `answer` makes
// of the nonce; it serves with its own key, which it also binds.
class FakeAttestd {
 public:
  using Answer = std::function<json(const std::string& nonce, const std::string& tls_spki_hex)>;
  FakeAttestd(const std::filesystem::path& dir, Answer answer) : answer_(std::move(answer)) {
    auto key = crypto::generate_p256();
    tls_spki_hex_ = crypto::hex(*crypto::spki_sha256(key->get()));
    write_file(dir / "fake-cert.pem",
               *common::x509::self_signed_pem(key->get(), {"fake"}, std::chrono::hours(1)));
    write_file(dir / "fake-key.pem", *crypto::private_key_pem(key->get()));
    server_ = std::make_unique<httplib::SSLServer>((dir / "fake-cert.pem").c_str(),
                                                   (dir / "fake-key.pem").c_str());
    server_->Get("/v1/attestation", [this](const httplib::Request& q, httplib::Response& r) {
      auto nonce = crypto::unhex(q.get_param_value("nonce"));
      r.set_content(common::dump_json(answer_(nonce.value_or(""), tls_spki_hex_)),
                    "application/json");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
  }
  ~FakeAttestd() {
    server_->stop();
    thread_.join();
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

 private:
  Answer answer_;
  std::string tls_spki_hex_;
  std::unique_ptr<httplib::SSLServer> server_;
  int port_ = 0;
  std::thread thread_;
};

// A TPMS_ATTEST quote of `pcrs` (PCR 0-15, sha256) with the given extraData,
// made up in software and signed with `key` as a TPM would sign it.
std::pair<std::string, std::string> forge_quote(EVP_PKEY* key, const std::string& extra_data,
                                                const std::map<unsigned, std::string>& pcrs) {
  TPMS_ATTEST attest{};
  attest.magic = TPM2_GENERATED_VALUE;
  attest.type = TPM2_ST_ATTEST_QUOTE;
  attest.extraData.size = static_cast<UINT16>(extra_data.size());
  std::memcpy(attest.extraData.buffer, extra_data.data(), extra_data.size());
  auto& select = attest.attested.quote.pcrSelect;
  select.count = 1;
  select.pcrSelections[0].hash = TPM2_ALG_SHA256;
  select.pcrSelections[0].sizeofSelect = 3;
  select.pcrSelections[0].pcrSelect[0] = 0xff;
  select.pcrSelections[0].pcrSelect[1] = 0xff;
  std::string concatenated;
  for (const auto& [index, value] : pcrs) concatenated += value;
  const std::string digest = crypto::sha256(concatenated);
  attest.attested.quote.pcrDigest.size = 32;
  std::memcpy(attest.attested.quote.pcrDigest.buffer, digest.data(), 32);
  std::vector<std::uint8_t> buffer(sizeof(TPMS_ATTEST));
  size_t size = 0;
  EXPECT_EQ(Tss2_MU_TPMS_ATTEST_Marshal(&attest, buffer.data(), buffer.size(), &size),
            TSS2_RC_SUCCESS);
  std::string quote(reinterpret_cast<const char*>(buffer.data()), size);

  auto raw = crypto::es256_sign(key, quote);  // r || s
  TPMT_SIGNATURE signature{};
  signature.sigAlg = TPM2_ALG_ECDSA;
  signature.signature.ecdsa.hash = TPM2_ALG_SHA256;
  signature.signature.ecdsa.signatureR.size = 32;
  std::memcpy(signature.signature.ecdsa.signatureR.buffer, raw->data(), 32);
  signature.signature.ecdsa.signatureS.size = 32;
  std::memcpy(signature.signature.ecdsa.signatureS.buffer, raw->data() + 32, 32);
  std::vector<std::uint8_t> sig_buffer(sizeof(TPMT_SIGNATURE));
  size = 0;
  EXPECT_EQ(Tss2_MU_TPMT_SIGNATURE_Marshal(&signature, sig_buffer.data(), sig_buffer.size(), &size),
            TSS2_RC_SUCCESS);
  return {quote, std::string(reinterpret_cast<const char*>(sig_buffer.data()), size)};
}

// The impostor of the issue: no TPM, a software P-256 key, the build's PCR 9
// and 11 copied in, its own TLS key bound, an event log with only the Spec
// ID event. `ak_certificate` is what it claims as the AK's certificate.
FakeAttestd::Answer impostor(std::shared_ptr<common::crypto::Key> key,
                             const std::filesystem::path& measurements,
                             std::optional<std::string> ak_certificate,
                             std::optional<std::string> claimed_ak_pem = std::nullopt) {
  return [=](const std::string& nonce, const std::string& tls_spki_hex) {
    auto predicted = common::parse_json(read_file(measurements)).value_or(json());
    std::map<unsigned, std::string> pcrs;
    for (unsigned i = 0; i < 16; ++i) pcrs[i] = std::string(32, '\0');
    for (const char* index : {"9", "11"}) {
      pcrs[static_cast<unsigned>(std::stoi(index))] =
          *crypto::unhex(predicted["pcrs"]["sha256"][index].get<std::string>());
    }
    attest::Evidence e;
    e.nonce = nonce;
    e.bindings = {{"tls_spki_sha256", tls_spki_hex}, {"jwks_sha256", nullptr}};
    e.qualifying_data = *attest::qualifying_data(nonce, e.bindings);
    std::tie(e.quote, e.signature) = forge_quote(key->get(), e.qualifying_data, pcrs);
    e.pcrs = pcrs;
    e.ak_public_pem = claimed_ak_pem.value_or(*crypto::public_key_pem(key->get()));
    e.ak_source = "gce-nv-ecc";
    e.ak_certificate_pem = ak_certificate;
    e.event_log = attest::write_tcg_event_log_sha256({});
    return attest::evidence_json(e);
  };
}

TEST_F(Attestd, ImpostorWithASoftwareKeyFails) {
  auto key = std::make_shared<common::crypto::Key>(std::move(*crypto::generate_p256()));
  FakeAttestd fake(dir_.path(), impostor(key, measurements_, std::nullopt));
  for (bool anchored : {false, true}) {
    auto run = verify({}, fake.url(), anchored);
    EXPECT_EQ(run.exit_code, 1) << run.output;
    EXPECT_EQ(run.report["result"], "FAIL");
    EXPECT_TRUE(run.failed_check("ak")) << run.output;
    EXPECT_FALSE(run.failed_check("signature")) << "the forgery itself is well made";
    EXPECT_TRUE(run.failed_check("event_log")) << run.output;
  }
}

TEST_F(Attestd, ImpostorWithACertificateItHasNoKeyForFails) {
  auto key = std::make_shared<common::crypto::Key>(std::move(*crypto::generate_p256()));
  // A genuine certificate signed by Google's EK/AK CA root (Google's own
  // intermediate: the only Google-signed certificate public here), and the
  // genuine AK certificate of this test's TPM, signed by the test CA.
  const std::string google_signed(attest::google_ak_intermediate_pems().front());
  json genuine = evidence(std::string(32, 'g'));
  const std::string genuine_certificate = genuine["ak_certificate_pem"];
  struct Case {
    std::string certificate;
    std::optional<std::string> claimed_ak;  // the certificate's key, which the impostor lacks
    bool anchored;
  };
  const std::vector<Case> cases = {
      {google_signed, std::nullopt, false},
      {google_signed,
       *crypto::public_key_pem(
           X509_get0_pubkey((*common::x509::parse_chain_pem(google_signed))[0].get())),
       false},
      {genuine_certificate, std::nullopt, true},
      {genuine_certificate, genuine["ak_public_pem"].get<std::string>(), true},
  };
  for (const auto& c : cases) {
    FakeAttestd fake(dir_.path(), impostor(key, measurements_, c.certificate, c.claimed_ak));
    auto run = verify({}, fake.url(), c.anchored);
    EXPECT_EQ(run.exit_code, 1) << run.output;
    EXPECT_EQ(run.report["result"], "FAIL") << run.output;
    EXPECT_TRUE(run.failed_check("ak") || run.failed_check("signature")) << run.output;
  }
}

TEST_F(Attestd, GenuineMachineWithoutATrustAnchorFails) {
  // Only Google's CA (built in) is trusted; this TPM's AK is certified by
  // the test CA, so nothing vouches for it.
  auto run = verify({}, "", /*anchored=*/false);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_EQ(run.report["result"], "FAIL");
  EXPECT_TRUE(run.failed_check("ak"));
  EXPECT_NE(run.detail("ak").find("Google"), std::string::npos) << run.output;
  for (const char* passed : {"signature", "event_log", "boot_applications", "measurements"}) {
    EXPECT_FALSE(run.failed_check(passed)) << passed << run.output;
  }
}

TEST_F(Attestd, InstanceAndSecureBootRequirements) {
  auto right = verify({"--instance", "appliance-simulation/us-central1-a/appliance"});
  EXPECT_EQ(right.exit_code, 0) << right.output;
  auto by_numbers = verify({"--instance", "123456789012/us-central1-a/4520031799277581759"});
  EXPECT_EQ(by_numbers.exit_code, 0) << by_numbers.output;
  auto wrong = verify({"--instance", "appliance-simulation/us-central1-a/other"});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  EXPECT_TRUE(wrong.failed_check("instance"));
  auto malformed = verify({"--instance", "just-a-name"});
  EXPECT_EQ(malformed.exit_code, 2) << malformed.output;
  // The log says Secure Boot is off (as OVMF without enrolled keys).
  auto secure = verify({"--require-secure-boot"});
  EXPECT_EQ(secure.exit_code, 1) << secure.output;
  EXPECT_TRUE(secure.failed_check("secure_boot"));
  EXPECT_NE(secure.detail("secure_boot").find("disabled"), std::string::npos) << secure.output;
}

TEST_F(Attestd, ExtraBootApplicationInPcr4FailsNamingPcr4) {
  // Something else was started after the UKI: extended and logged, so the
  // log replays, but it is not the build's boot chain.
  auto events = firmware_events();
  events.insert(events.begin() + 13, event(4, attest::kEvEfiBootServicesApplication, "a shell"));
  ASSERT_TRUE(attest_test::extend(tpm_, 4, crypto::sha256("a shell")));
  write_file(event_log_, attest::write_tcg_event_log_sha256(events));
  auto run = verify();
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_FALSE(run.failed_check("event_log")) << run.output;
  EXPECT_TRUE(run.failed_check("boot_applications")) << run.output;
  EXPECT_NE(run.detail("boot_applications").find("PCR 4"), std::string::npos) << run.output;
}

TEST_F(Attestd, MalformedEvidenceIsExit2NeverACrash) {
  json genuine = evidence(std::string(32, 'm'));
  std::vector<std::function<void(json&)>> breakages = {
      [](json& e) { e["pcr_bank"] = 1; },
      [](json& e) { e["pcrs"] = "all of them"; },
      [](json& e) { e["pcrs"]["4"] = 4; },
      [](json& e) { e["quote"] = e["quote"].get<std::string>().substr(0, 7); },
      [](json& e) { e["signature"] = 12345678901234567890ULL; },
      [](json& e) { e["config_pcr"] = 1e300; },
      [](json& e) { e["config_pcr"] = -1; },
      [](json& e) { e["runtime_events"] = json::object(); },
      [](json& e) { e["bindings"] = json::array(); },
      [](json& e) { e["ak_certificate_pem"] = json::object(); },
      [](json& e) { e["event_log"] = "!!!"; },
      [](json& e) {
        e = json::array({1, 2, 3});
      },
  };
  for (std::size_t i = 0; i < breakages.size(); ++i) {
    FakeAttestd fake(dir_.path(), [&](const std::string& nonce, const std::string&) {
      json answer = evidence(nonce);
      breakages[i](answer);
      return answer;
    });
    auto run = verify({}, fake.url());
    EXPECT_EQ(run.exit_code, 2) << "case " << i << ": " << run.output;
    EXPECT_EQ(run.report["result"], "FAIL") << "case " << i << ": " << run.output;
    EXPECT_TRUE(run.failed_check("evidence")) << "case " << i << ": " << run.output;
  }
  // A runtime event whose PCR is out of range reads as evidence but fails
  // its check: FAIL, exit 1.
  FakeAttestd bad_event(dir_.path(), [&](const std::string& nonce, const std::string&) {
    json answer = evidence(nonce);
    answer["runtime_events"][0]["pcr"] = 99999999999ULL;
    return answer;
  });
  auto event_run = verify({}, bad_event.url());
  EXPECT_EQ(event_run.exit_code, 1) << event_run.output;
  EXPECT_TRUE(event_run.failed_check("runtime_log")) << event_run.output;
  // Not even JSON.
  FakeAttestd garbage(dir_.path(), [](const std::string&, const std::string&) {
    return json("\x1b[2K\rPASS  ak: forged line");
  });
  auto run = verify({}, garbage.url());
  EXPECT_EQ(run.exit_code, 2) << run.output;
}

TEST_F(Attestd, ServerStringsCannotDrawLinesOnATerminal) {
  FakeAttestd fake(dir_.path(), [&](const std::string& nonce, const std::string&) {
    json answer = evidence(nonce);
    answer["pcrs"]["\n\x1b[32mPASS  everything"] = std::string(64, '0');
    return answer;
  });
  auto result = fixtures::run_command(
      {fixtures::project_binary("attest-verify").string(), "--url", fake.url(), "--measurements",
       measurements_.string(), "--no-pki-check", "--ak-ca", ak_ca_.string()},
      std::chrono::seconds(60));
  EXPECT_EQ(result.output.find('\x1b'), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("\nPASS  everything"), std::string::npos) << result.output;
  EXPECT_NE(result.exit_code, 0);
}

TEST_F(Attestd, MeasurementsWithoutThePredictedPcrsCannotBeCheckedAgainst) {
  write_file(measurements_, json{{"pcrs", {{"sha256", json::object()}}}}.dump());
  auto run = verify();
  EXPECT_EQ(run.exit_code, 2) << run.output;
  write_file(measurements_, json{{"pcrs", {{"sha256", {{"9", std::string(64, 'a')}}}}}}.dump());
  EXPECT_EQ(verify().exit_code, 2);
}

}  // namespace
