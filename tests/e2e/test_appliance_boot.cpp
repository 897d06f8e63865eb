// The appliance, booted: the very disk.raw that would be uploaded to GCP,
// under QEMU with UEFI and a swtpm TPM, against the simulated cloud, checked
// from the outside as a relying party and an operator would. Runs inside
// run-isolated.sh (own network namespace, the domain mapped to loopback), so
// the appliance's real ports and name are used.
//
// The tests share one boot and run in order (one ctest entry runs them all).

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>

#include <gtest/gtest.h>

#include "browser.hpp"
#include "common/json.hpp"
#include "common/x509.hpp"
#include "e2e_environment.hpp"
#include "flow.hpp"
#include "jwt_check.hpp"
#include "sim/simulation.hpp"

namespace {

using namespace std::chrono_literals;

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

class ApplianceBoot : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    simulation_ = std::make_unique<sim::Simulation>(e2e::simulation_options());
    simulation_->boot();
    ready_seconds_ = simulation_->wait_until_ready(900s);
    if (ready_seconds_) {
      std::cout << "boot-to-ready: " << *ready_seconds_ << " s" << std::endl;
    }
    roots_ = simulation_->work_dir() / "pebble-roots.pem";
    write_file(roots_, simulation_->pebble_roots_pem());
  }
  static void TearDownTestSuite() {
    if (simulation_ && simulation_->qemu_running()) simulation_->power_down(120s);
    simulation_.reset();
  }
  void SetUp() override {
    if (!ready_seconds_) {
      GTEST_FAIL() << "the appliance did not become ready; serial console tail:\n"
                   << e2e::tail(simulation_->serial_console());
    }
  }

  static std::string peer_certificate(const std::string& url) {
    auto request = simulation_->appliance_request(url);
    request.capture_peer_certificate = true;
    auto response = common::http_request(request);
    if (!response) return "error: " + response.error().message;
    return response->peer_certificate_pem;
  }

  static std::filesystem::path bin(const std::string& name) {
    return std::filesystem::path(e2e::required_env("APPLIANCE_BIN_DIR")) / name;
  }

  // attest-verify against the appliance and `measurements`, as the README's
  // simulation prints it (the simulated EK/AK CA as --ak-ca), plus `extra`.
  static fixtures::CommandResult attest_verify(const std::filesystem::path& measurements,
                                               std::vector<std::string> extra,
                                               bool anchored = true) {
    std::vector<std::string> argv = {bin("attest-verify").string(),
                                     "--url",
                                     simulation_->attest_url(),
                                     "--measurements",
                                     measurements.string(),
                                     "--cacert",
                                     roots_.string()};
    if (anchored) {
      argv.insert(argv.end(), {"--ak-ca", simulation_->ak_ca_file().string(), "--instance",
                               simulation_->instance()});
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    return fixtures::run_command(argv, 120s);
  }

  static inline std::unique_ptr<sim::Simulation> simulation_;
  static inline std::optional<double> ready_seconds_;
  static inline std::filesystem::path roots_;
};

TEST_F(ApplianceBoot, AuthdAndAttestdServeTheCertificatePebbleIssued) {
  for (const auto& url : {simulation_->https_base() + "/.well-known/openid-configuration",
                          simulation_->attest_url() + "/v1/status"}) {
    const auto leaf = peer_certificate(url);
    ASSERT_NE(leaf.find("BEGIN CERTIFICATE"), std::string::npos) << url << ": " << leaf;
    auto info = common::x509::describe_leaf_pem(leaf);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_NE(info->issuer, info->subject) << "still the bootstrap self-signed certificate";
    EXPECT_NE(
        std::find(info->dns_names.begin(), info->dns_names.end(), simulation_->options().domain),
        info->dns_names.end());
    // Chain check by OpenSSL itself, against pebble's root and intermediate.
    const auto leaf_file = simulation_->work_dir() / "leaf.pem";
    write_file(leaf_file, leaf);
    const auto root_file = simulation_->work_dir() / "root.pem";
    write_file(root_file, simulation_->pebble().root_pem());
    const auto intermediate_file = simulation_->work_dir() / "intermediate.pem";
    write_file(intermediate_file, simulation_->pebble().intermediate_pem());
    auto verified =
        fixtures::run_command({"openssl", "verify", "-CAfile", root_file.string(), "-untrusted",
                               intermediate_file.string(), leaf_file.string()});
    EXPECT_EQ(verified.exit_code, 0) << url << ": " << verified.output;
  }
}

TEST_F(ApplianceBoot, PayPalLoginEndToEndGivesAVerifiableIdToken) {
  const auto& rp = simulation_->relying_party();
  const std::string issuer = simulation_->issuer();
  const std::string ca = simulation_->pebble_roots_pem() + "\n" + simulation_->paypal().ca_pem();
  authd_test::Browser browser(ca);
  authd_test::AuthorizeParams params;
  params.client_id = rp.client_id;
  params.redirect_uri = rp.redirect_uri;
  auto outcome = browser.navigate(authd_test::authorize_url(issuer, params), rp.redirect_uri);
  ASSERT_TRUE(outcome) << outcome.error().message;
  ASSERT_TRUE(outcome->reached_stop) << outcome->last.status << " " << outcome->last.body;
  auto answer = authd_test::query_of(outcome->final_url);
  ASSERT_EQ(answer["state"], params.state);
  ASSERT_FALSE(answer["code"].empty());
  EXPECT_EQ(simulation_->paypal().token_requests(), 1);
  EXPECT_GE(simulation_->paypal().userinfo_requests(), 1);

  auto token =
      authd_test::post_token(issuer, ca, authd_test::code_form(answer["code"], rp.redirect_uri),
                             std::make_pair(rp.client_id, rp.client_secret));
  ASSERT_TRUE(token) << token.error().message;
  ASSERT_EQ(token->status, 200) << token->body;
  auto body = common::parse_json(token->body);
  ASSERT_TRUE(body);
  const std::string id_token = (*body)["id_token"];
  auto discovery = authd_test::get_json(issuer + "/.well-known/openid-configuration", ca);
  ASSERT_TRUE(discovery);
  EXPECT_EQ((*discovery)["issuer"], issuer);
  auto jwks = authd_test::get_json((*discovery)["jwks_uri"], ca);
  ASSERT_TRUE(jwks);
  auto verified = authd_test::verify_es256_jwt(id_token, *jwks);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->claims["iss"], issuer);
  EXPECT_EQ(verified->claims["aud"], rp.client_id);
  EXPECT_EQ(verified->claims["nonce"], params.nonce);
  EXPECT_EQ(verified->claims["sub"], simulation_->paypal().options().payer_id);
  EXPECT_GT(verified->claims["exp"].get<std::int64_t>(), std::time(nullptr));
}

TEST_F(ApplianceBoot, AttestVerifyPassesAgainstThisBuild) {
  auto result = attest_verify(simulation_->measurements(),
                              {"--jwks-url", simulation_->https_base() + "/jwks.json", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto report = common::parse_json(result.output);
  ASSERT_TRUE(report) << result.output;
  // The AK is the vTPM's, certified for the simulated instance.
  EXPECT_EQ((*report)["instance"]["instance_name"], "appliance") << result.output;
  EXPECT_EQ((*report)["instance"]["project_id"], "appliance-simulation");
  EXPECT_EQ((*report)["secure_boot"], false) << "OVMF without enrolled keys";
  // The text report names the instance too.
  auto text = attest_verify(simulation_->measurements(), {});
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("instance: appliance-simulation/us-central1-a/appliance"),
            std::string::npos)
      << text.output;
  // The live PCRs equal the ones the build predicted.
  auto predicted = common::parse_json([&] {
    std::ifstream in(simulation_->measurements());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }());
  ASSERT_TRUE(predicted);
  EXPECT_EQ((*report)["result"], "PASS");
  for (const auto& check : (*report)["checks"]) {
    EXPECT_TRUE(check["passed"].get<bool>()) << check.dump();
  }
  // Independently of the verifier's verdict: the quoted PCRs 9 and 11 are
  // exactly the values the build predicted.
  for (const char* index : {"9", "11"}) {
    ASSERT_TRUE((*predicted)["pcrs"]["sha256"].contains(index));
    EXPECT_EQ((*report)["pcrs"][index], (*predicted)["pcrs"]["sha256"][index])
        << "PCR " << index << ": " << (*report)["pcrs"].dump();
  }
}

TEST_F(ApplianceBoot, AttestVerifyFailsForAnInitramfsWithOneByteChanged) {
  const auto tampered = simulation_->work_dir() / "tampered";
  auto made = fixtures::run_command(
      {"bash", (simulation_->options().source_dir / "tests/e2e/tamper-measurements.sh").string(),
       simulation_->options().image_dir.string(), simulation_->options().source_dir.string(),
       e2e::required_env("APPLIANCE_TOOLS_DIR"), tampered.string()},
      300s);
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto result = attest_verify(tampered / "measurements.json", {});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  // It fails for the right reason: the live PCRs differ from the tampered
  // build's prediction; everything about the evidence itself still holds.
  EXPECT_TRUE(std::regex_search(result.output, std::regex("FAIL +measurements"))) << result.output;
  EXPECT_TRUE(std::regex_search(result.output, std::regex("PASS +signature"))) << result.output;
}

TEST_F(ApplianceBoot, AttestVerifyFailsForAUkiChangedOutsideTheMeasuredSections) {
  // Four bytes of the UKI's PE header differ: systemd-stub's PCR 11 and the
  // kernel's PCR 9 are exactly as before, only the firmware's PCR 4 event
  // tells the two UKIs apart.
  const auto tampered = simulation_->work_dir() / "tampered-uki";
  auto made = fixtures::run_command(
      {"bash", (simulation_->options().source_dir / "tests/e2e/tamper-uki-header.sh").string(),
       simulation_->options().image_dir.string(), e2e::required_env("APPLIANCE_TOOLS_DIR"),
       tampered.string()},
      300s);
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto genuine = common::parse_json(fixtures::read_file(simulation_->measurements()));
  auto changed = common::parse_json(fixtures::read_file(tampered / "measurements.json"));
  ASSERT_TRUE(genuine && changed);
  EXPECT_EQ((*changed)["pcrs"], (*genuine)["pcrs"]) << "PCR 9 and 11 must not tell them apart";
  EXPECT_NE((*changed)["pcr_events"]["4"], (*genuine)["pcr_events"]["4"]);

  auto result = attest_verify(tampered / "measurements.json", {});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_TRUE(std::regex_search(result.output, std::regex("FAIL +boot_applications: PCR 4")))
      << result.output;
  EXPECT_TRUE(std::regex_search(result.output, std::regex("PASS +measurements"))) << result.output;
}

TEST_F(ApplianceBoot, AttestVerifyFailsWithoutATrustAnchorForTheAk) {
  // Google's CA (built in) did not certify the simulated vTPM's AK.
  auto result = attest_verify(simulation_->measurements(), {}, /*anchored=*/false);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_TRUE(std::regex_search(result.output, std::regex("FAIL +ak: ")));
  EXPECT_TRUE(std::regex_search(result.output, std::regex("\nFAIL\n$"))) << result.output;
}

TEST_F(ApplianceBoot, SerialConsoleShowsStartupAndNoSecret) {
  const auto console = simulation_->serial_console();
  for (const char* daemon : {"attestd", "acmed", "authd"}) {
    const std::regex ready(std::string("\"service\":\"") + daemon +
                           "\"[^\\n]*ready|ready[^\\n]*\"" + daemon + "\"");
    EXPECT_TRUE(std::regex_search(console, ready)) << daemon << " ready not on the console";
  }
  for (const auto& secret : simulation_->secrets()) {
    EXPECT_EQ(console.find(secret), std::string::npos) << "a secret reached the serial console";
  }
  // The guest's memory after start, as init reports it.
  std::smatch memory;
  if (std::regex_search(console, memory, std::regex("\"mem_available_kib\":([0-9]+)"))) {
    std::cout << "guest MemAvailable after start: " << memory[1] << " KiB" << std::endl;
  }
}

TEST_F(ApplianceBoot, AcpiPowerDownShutsDownInOrder) {
  auto status = simulation_->power_down(180s);
  ASSERT_TRUE(status) << "QEMU did not exit after the ACPI power button";
  EXPECT_EQ(*status, 0);
  const auto console = simulation_->serial_console();
  // authd and acmed stop before attestd (reverse dependency order).
  const auto authd_stop = console.rfind("\"authd\"");
  const auto attestd_stop = console.rfind("\"attestd\"");
  EXPECT_NE(authd_stop, std::string::npos);
  EXPECT_LT(authd_stop, attestd_stop) << e2e::tail(console);
  EXPECT_NE(console.find("all services stopped"), std::string::npos) << e2e::tail(console);
}

}  // namespace
