// attestd's TPM side against a real swtpm: quotes that the verifier library
// and tpm2_checkquote both accept, the GCE AK template, outages, the
// configuration PCR, and concurrent use.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "common/crypto.hpp"
#include "common/ipc_contracts.hpp"
#include "common/x509.hpp"
#include "attestd/attester.hpp"
#include "attestd/runtime_config.hpp"
#include "fixtures/gce_vtpm.hpp"
#include "fixtures/swtpm.hpp"
#include "swtpm_helpers.hpp"
#include "attestd/verify/ak_trust.hpp"
#include "attestd/verify/tpm_quote.hpp"

namespace {

namespace crypto = common::crypto;
using fixtures::Swtpm;

std::vector<unsigned> all_pcrs() {
  std::vector<unsigned> pcrs;
  for (unsigned i = 0; i < 16; ++i) pcrs.push_back(i);
  return pcrs;
}

TEST(AttesterSwtpm, QuoteVerifiesHereAndWithTpm2Checkquote) {
  Swtpm tpm;
  ASSERT_TRUE(attest_test::extend(tpm, 4, crypto::sha256("kernel")));
  attestd::Attester attester(tpm.tcti());
  std::string qualifying = crypto::sha256("nonce and bindings");
  auto quote = attester.quote(qualifying, all_pcrs());
  ASSERT_TRUE(quote) << quote.error().message;
  auto identity = attester.identity();
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->ak_source, "default-ecc");
  ASSERT_TRUE(identity->ek_public_pem.has_value());
  EXPECT_FALSE(identity->ek_certificate_pem.has_value());

  auto parsed = attest::parse_quote(quote->attest);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->extra_data, qualifying);
  EXPECT_EQ(*attest::expected_pcr_digest(parsed->selections, quote->pcrs), parsed->pcr_digest);
  EXPECT_EQ(quote->pcrs.at(4), crypto::sha256(std::string(32, '\0') + crypto::sha256("kernel")));
  auto ak = crypto::load_public_key_pem(identity->ak_public_pem);
  ASSERT_TRUE(ak);
  EXPECT_TRUE(attest::verify_quote_signature(ak->get(), quote->attest, quote->signature));

  auto check = attest_test::tpm2_checkquote(tpm.work_dir(), identity->ak_public_pem, quote->attest,
                                            quote->signature, qualifying);
  EXPECT_EQ(check.exit_code, 0) << check.output;
  auto wrong = attest_test::tpm2_checkquote(tpm.work_dir(), identity->ak_public_pem, quote->attest,
                                            quote->signature, crypto::sha256("other"));
  EXPECT_NE(wrong.exit_code, 0) << "tpm2_checkquote accepted the wrong qualifying data";
}

TEST(AttesterSwtpm, AkIsDerivedFromGoogleTemplateInNvAndServedWithItsCertificate) {
  Swtpm tpm;
  fixtures::AkCertificateAuthority ca;
  // As GCE does: the template and the AK's certificate in NV. The AK that
  // tpm2-tools derives from the template is the one certified.
  auto reference = fixtures::provision_gce_ak(tpm, ca, fixtures::simulated_instance());
  ASSERT_TRUE(reference) << reference.error().message;
  attestd::Attester attester(tpm.tcti());
  auto identity = attester.identity();
  ASSERT_TRUE(identity) << identity.error().message;
  EXPECT_EQ(identity->ak_source, "gce-nv-ecc");
  EXPECT_EQ(attest_test::spki_of(identity->ak_public_pem), attest_test::spki_of(*reference));

  // attestd serves GCE's certificate of that very AK, which chains to the CA.
  ASSERT_TRUE(identity->ak_certificate_pem.has_value());
  auto anchors = attest::ak_anchors_from_pem(ca.root_pem(), "test CA");
  ASSERT_TRUE(anchors) << anchors.error().message;
  anchors->intermediates.clear();
  auto chain = common::x509::parse_chain_pem(ca.intermediate_pem());
  ASSERT_TRUE(chain);
  for (auto& certificate : *chain) anchors->intermediates.push_back(std::move(certificate));
  auto ak_key = crypto::load_public_key_pem(identity->ak_public_pem);
  auto certified =
      attest::verify_ak_certificate(*identity->ak_certificate_pem, ak_key->get(), *anchors);
  ASSERT_TRUE(certified) << certified.error().message;
  ASSERT_TRUE(certified->identity.has_value());
  EXPECT_EQ(certified->identity->instance_name, "appliance");

  // And a quote with it verifies.
  auto quote = attester.quote(crypto::sha256("q"), all_pcrs());
  ASSERT_TRUE(quote) << quote.error().message;
  auto ak = crypto::load_public_key_pem(identity->ak_public_pem);
  EXPECT_TRUE(attest::verify_quote_signature(ak->get(), quote->attest, quote->signature));
}

TEST(AttesterSwtpm, OutageGivesEnvironmentErrorsThenRecovers) {
  Swtpm tpm;
  attestd::Attester attester(tpm.tcti());
  std::atomic<int> connects = 0;
  attester.set_on_connect([&] {
    ++connects;
    return common::Status{};
  });
  auto before = attester.identity();
  ASSERT_TRUE(before);
  ASSERT_TRUE(attester.quote(crypto::sha256("a"), all_pcrs()));
  tpm.stop();
  auto during = attester.quote(crypto::sha256("b"), all_pcrs());
  ASSERT_FALSE(during);
  EXPECT_EQ(during.error().kind, common::Error::Kind::environment);
  EXPECT_EQ(attester.status()["state"], "unavailable");
  tpm.start();
  EXPECT_TRUE(fixtures::wait_until(
      [&] { return attester.quote(crypto::sha256("c"), all_pcrs()).has_value(); },
      std::chrono::seconds(10)));
  EXPECT_EQ(attester.status()["state"], "ready");
  // The hook ran again once the TPM was back (for a simulator: per opening).
  EXPECT_GE(connects.load(), 2);
  // Same state directory, same endorsement seed: the same AK comes back.
  EXPECT_EQ(attester.identity()->ak_public_pem, before->ak_public_pem);
}

TEST(AttesterSwtpm, ConcurrentQuotesAreSerialisedAndLeakNoObjects) {
  Swtpm tpm;
  attestd::Attester attester(tpm.tcti());
  std::atomic<int> ok = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        if (attester.quote(crypto::sha256(std::to_string(t * 10 + i)), all_pcrs())) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 20);
  // No transient object left behind (swtpm has only a few slots).
  auto handles = tpm.tpm2("getcap", {"handles-transient"});
  EXPECT_EQ(handles.exit_code, 0) << handles.output;
  EXPECT_EQ(handles.output.find("0x80"), std::string::npos) << handles.output;
}

TEST(AttesterSwtpm, RuntimeConfigIsMeasuredAndSurvivesTpmResetAndRestart) {
  Swtpm tpm;
  fixtures::TempDir state;
  auto state_file = state.path() / "runtime_events.json";
  attestd::Attester attester(tpm.tcti());
  attestd::RuntimeConfig runtime(attester, 15, state_file);
  attester.set_on_connect([&] { return runtime.reconcile(); });
  EXPECT_FALSE(runtime.served_config());

  attest::ConfigValues values = {{"domain", "login.example.com"}, {"acme_directory", std::nullopt}};
  auto changed = runtime.measure(values);
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_TRUE(*changed);
  auto replay = attest::replay_runtime_log(runtime.log_json());
  ASSERT_TRUE(replay);
  EXPECT_EQ(*attester.read_pcr(15), replay->pcrs.at(15));
  EXPECT_EQ(runtime.served_config()->values.at("domain"), "login.example.com");
  EXPECT_FALSE(runtime.served_config()->values.contains("acme_directory"));
  // Every measured key is logged, present or absent.
  EXPECT_EQ(runtime.log_json().size(), common::contract::attestd::measured_keys.size());

  // Same values: nothing extended.
  EXPECT_FALSE(*runtime.measure(values));
  // A changed value: one more event.
  values["domain"] = "id.example.com";
  EXPECT_TRUE(*runtime.measure(values));
  replay = attest::replay_runtime_log(runtime.log_json());
  EXPECT_EQ(*attester.read_pcr(15), replay->pcrs.at(15));

  // The TPM resets (PCRs zero): the log is re-extended on reconnection.
  tpm.stop();
  tpm.start();
  EXPECT_TRUE(fixtures::wait_until([&] { return attester.read_pcr(15).has_value(); },
                                   std::chrono::seconds(10)));
  EXPECT_EQ(*attester.read_pcr(15), replay->pcrs.at(15));

  // attestd restarts within the boot: a new instance explains the PCR from
  // the saved log and extends nothing.
  attestd::Attester attester2(tpm.tcti());
  attestd::RuntimeConfig runtime2(attester2, 15, state_file);
  ASSERT_TRUE(runtime2.load_saved());
  attester2.set_on_connect([&] { return runtime2.reconcile(); });
  EXPECT_FALSE(*runtime2.measure(values));
  EXPECT_EQ(*attester2.read_pcr(15), replay->pcrs.at(15));
  EXPECT_EQ(runtime2.status()["pcr_matches_log"], true);
}

}  // namespace

namespace {

TEST(AttesterSwtpm, RsaTemplateInNvGivesAnRsaAkWhoseQuotesVerify) {
  Swtpm tpm;
  // Google's RSA AK template shape: RSA 2048, RSASSA/SHA-256, restricted
  // signing, exponent 0 (= 65537), unique of 256 zero bytes.
  std::string hex = std::string("0001000b000500720000") + "0010" + "0014000b" + "0800" +
                    "00000000" + "0100" + std::string(512, '0');
  ASSERT_TRUE(fixtures::write_nv(tpm, 0x01c10001, *crypto::unhex(hex)));
  attestd::Attester attester(tpm.tcti());
  auto identity = attester.identity();
  ASSERT_TRUE(identity) << identity.error().message;
  EXPECT_EQ(identity->ak_source, "gce-nv-rsa");
  std::string qualifying = crypto::sha256("rsa");
  auto quote = attester.quote(qualifying, all_pcrs());
  ASSERT_TRUE(quote) << quote.error().message;
  auto ak = crypto::load_public_key_pem(identity->ak_public_pem);
  ASSERT_TRUE(ak);
  EXPECT_EQ(EVP_PKEY_base_id(ak->get()), EVP_PKEY_RSA);
  EXPECT_TRUE(attest::verify_quote_signature(ak->get(), quote->attest, quote->signature));
  std::string forged = quote->signature;
  forged[forged.size() - 1] ^= 1;
  EXPECT_FALSE(attest::verify_quote_signature(ak->get(), quote->attest, forged));
  auto check = attest_test::tpm2_checkquote(tpm.work_dir(), identity->ak_public_pem, quote->attest,
                                            quote->signature, qualifying);
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

}  // namespace
