// One-off generator of the verifier fuzz target's fixture: a genuine
// attestation from a real attestd on a swtpm provisioned as GCE provisions a
// vTPM (the same setup as tests/attestd/swtpm_attestd_e2e.cpp). It writes
// evidence.json, measurements.json, nonce.hex, tls_spki_sha256.hex and
// ak_ca.pem into the directory given, after checking that the verifier
// passes them. tests/fuzz/verifier/make_fixture.sh builds and runs it against
// the release build; the output is committed, so CI never needs swtpm here.
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "attestd/swtpm_helpers.hpp"
#include "common/crypto.hpp"
#include "common/http_client.hpp"
#include "common/json.hpp"
#include "common/x509.hpp"
#include "fixtures/gce_vtpm.hpp"
#include "fixtures/metadata_server.hpp"
#include "fixtures/process.hpp"
#include "fixtures/swtpm.hpp"
#include "attestd/verify/boot_events.hpp"
#include "attestd/verify/event_log.hpp"
#include "attestd/verify/measurements.hpp"
#include "attestd/verify/verifier.hpp"

namespace {

using common::json;
namespace crypto = common::crypto;

// The same OVMF-shaped log as the e2e test, so that every check of the
// verifier has something to look at.
using attest_test::firmware_events;
using attest_test::measurements_for;

int generate(const std::filesystem::path& out) {
  fixtures::Swtpm tpm;
  fixtures::TempDir dir;
  fixtures::MetadataServer metadata;
  for (const auto& e : firmware_events()) {
    if (!attest_test::extend(tpm, e.pcr, e.digests.at(attest::kTpmAlgSha256))) {
      throw std::runtime_error("extend failed");
    }
  }
  const auto event_log = dir.path() / "binary_bios_measurements";
  attest_test::write_file(event_log, attest::write_tcg_event_log_sha256(firmware_events()));
  const fixtures::AkCertificateAuthority ca("Fuzz fixture EK/AK CA");
  auto ak = fixtures::provision_gce_ak(tpm, ca, fixtures::simulated_instance());
  if (!ak) throw std::runtime_error(ak.error().message);
  // Values in every measured key that the fuzzer can then vary.
  metadata.set_instance_attribute("domain", "login.example.com");
  metadata.set_instance_attribute("paypal_environment", "sandbox");
  metadata.set_project_attribute("acme_directory", "https://acme.example/directory");

  const int port = fixtures::free_tcp_port();
  fixtures::ProcessOptions options;
  options.argv = {fixtures::project_binary("attestd").string(),
                  "--tcti=" + tpm.tcti(),
                  "--host=127.0.0.1",
                  "--port=" + std::to_string(port),
                  "--event-log=" + event_log.string(),
                  "--state-dir=" + (dir.path() / "state").string()};
  options.env = {{"APPLIANCE_RUN_DIR", (dir.path() / "run").string()},
                 {"GCE_METADATA_HOST", metadata.address()}};
  options.log_file = dir.path() / "attestd.log";
  fixtures::Process attestd(std::move(options));
  const std::string base = "https://127.0.0.1:" + std::to_string(port);
  auto get = [&](const std::string& target) {
    common::HttpRequest request;
    request.url = base + target;
    request.verify_tls = false;  // the binding to the TLS key is what the verifier checks
    request.capture_peer_certificate = true;
    return common::http_request(request);
  };
  const bool measured = fixtures::wait_until(
      [&] {
        auto status = get("/v1/status");
        return status && status->status == 200 &&
               common::parse_json(status->body).value_or(json())["runtime_config"]["measured"] ==
                   true;
      },
      std::chrono::seconds(30));
  if (!measured) throw std::runtime_error("attestd did not measure its configuration");

  const std::string nonce = *crypto::random_bytes(32);
  auto answer = get("/v1/attestation?nonce=" + crypto::hex(nonce));
  if (!answer || answer->status != 200) throw std::runtime_error("no attestation");
  const json evidence = *common::parse_json(answer->body);
  const std::string spki =
      crypto::hex(common::x509::describe_leaf_pem(answer->peer_certificate_pem)->spki_sha256);
  const json measurements = measurements_for(firmware_events());

  attest::Expectations expected;
  expected.nonce = nonce;
  expected.build = *attest::parse_measurements(measurements);
  expected.ak_anchors = std::make_shared<const attest::AkAnchors>(
      *attest::ak_anchors_from_pem(ca.root_pem() + ca.intermediate_pem(), "the fixture CA"));
  expected.tls_spki_sha256_hex = spki;
  auto report = attest::verify_attestation(evidence, expected);
  if (!report.passed()) throw std::runtime_error(attest::report_text(report));

  std::filesystem::create_directories(out);
  attest_test::write_file(out / "evidence.json", evidence.dump(2) + "\n");
  attest_test::write_file(out / "measurements.json", measurements.dump(2) + "\n");
  attest_test::write_file(out / "nonce.hex", crypto::hex(nonce) + "\n");
  attest_test::write_file(out / "tls_spki_sha256.hex", spki + "\n");
  attest_test::write_file(out / "ak_ca.pem", ca.root_pem() + ca.intermediate_pem());
  std::printf("fixture written to %s: %s\n", out.c_str(), attest::report_text(report).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fixture OUTPUT_DIR\n");
    return 2;
  }
  try {
    return generate(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_fixture: %s\n", e.what());
    return 1;
  }
}
