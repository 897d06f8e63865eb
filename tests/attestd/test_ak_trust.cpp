// The AK's trust anchors and GCE's instance identity extension: DER shapes,
// chains to a CA of the same shape as Google's, and Google's built-in roots.
#include <gtest/gtest.h>

#include <openssl/x509.h>

#include "common/crypto.hpp"
#include "common/x509.hpp"
#include "fixtures/gce_vtpm.hpp"
#include "attestd/verify/ak_trust.hpp"
#include "attestd/verify/google_ak_roots.hpp"
#include "attestd/verify/instance_identity.hpp"

namespace {

namespace crypto = common::crypto;
using attest::GceInstanceIdentity;

std::string unhex(const std::string& text) { return *crypto::unhex(text); }

const fixtures::AkCertificateAuthority& ca() {
  static const fixtures::AkCertificateAuthority authority("Unit Test EK/AK CA");
  return authority;
}

// SEQUENCE { "us-central1-a", 123, "my-project", 4520031799277581759, "vm-1",
//            [0] { SEQUENCE { [0] { 1 }, [1] { TRUE } } } }, written out by hand.
const std::string kWithSecurity =
    "303c"
    "0c0d75732d63656e7472616c312d61"  // zone
    "02017b"                          // project number 123
    "0c0a6d792d70726f6a656374"        // project id
    "02083eba60f92968f5bf"            // instance id 4520031799277581759
    "0c04766d2d31"                    // instance name
    "a00c300aa003020101a1030101ff";   // security properties

TEST(InstanceIdentity, ParsesTheDerShapeGoogleWrites) {
  auto identity = attest::parse_gce_instance_identity(unhex(kWithSecurity));
  ASSERT_TRUE(identity) << identity.error().message;
  EXPECT_EQ(identity->zone, "us-central1-a");
  EXPECT_EQ(identity->project_number, 123u);
  EXPECT_EQ(identity->project_id, "my-project");
  EXPECT_EQ(identity->instance_id, 4520031799277581759ULL);
  EXPECT_EQ(identity->instance_name, "vm-1");
  EXPECT_EQ(identity->security_version, 1u);
  EXPECT_EQ(identity->is_production, true);
  // The encoder writes exactly these bytes back.
  EXPECT_EQ(crypto::hex(attest::gce_instance_identity_der(*identity)), kWithSecurity);
}

TEST(InstanceIdentity, SecurityPropertiesAreOptional) {
  GceInstanceIdentity plain;
  plain.zone = "europe-west1-b";
  plain.project_number = 0xffffffffffffffffULL;  // largest: 9 content bytes with the sign byte
  plain.project_id = "p";
  plain.instance_id = 0;
  plain.instance_name = "n";
  auto parsed = attest::parse_gce_instance_identity(attest::gce_instance_identity_der(plain));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->project_number, plain.project_number);
  EXPECT_FALSE(parsed->security_version.has_value());
  EXPECT_FALSE(parsed->is_production.has_value());
}

TEST(InstanceIdentity, RejectsWhatIsNotExactlyTheShape) {
  const std::string good = kWithSecurity;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"empty", ""},
      {"truncated", good.substr(0, good.size() - 2)},
      {"trailing byte", good + "00"},
      {"zone as PrintableString", "303c13" + good.substr(6)},
      {"negative project number",
       "30270c0d75732d63656e7472616c312d610201850c0a6d792d70726f6a6563740201010c04766d2d31"},
      {"non-minimal integer",
       "30280c0d75732d63656e7472616c312d61020200010c0a6d792d70726f6a6563740201010c04766d2d31"},
      {"integer over 64 bits",
       "302f0c0d75732d63656e7472616c312d6102090100000000000000000c0a6d792d70726f6a656374020101"
       "0c04766d2d31"},
      {"long-form length for a short value", "30813c" + good.substr(4)},
      {"length past the end", "30ff" + good.substr(4)},
      {"boolean that is not 00/ff", good.substr(0, good.size() - 2) + "01"},
      {"missing instance name",
       "30210c0d75732d63656e7472616c312d6102017b0c0a6d792d70726f6a656374020101"},
  };
  for (const auto& [what, hex] : bad) {
    auto der = crypto::unhex(hex);
    ASSERT_TRUE(der) << what;
    EXPECT_FALSE(attest::parse_gce_instance_identity(*der)) << what;
  }
}

TEST(InstanceIdentity, MatchesProjectZoneAndNameOrId) {
  auto identity = *attest::parse_gce_instance_identity(unhex(kWithSecurity));
  EXPECT_TRUE(attest::identity_matches(identity, "my-project/us-central1-a/vm-1"));
  EXPECT_TRUE(attest::identity_matches(identity, "123/us-central1-a/4520031799277581759"));
  EXPECT_FALSE(attest::identity_matches(identity, "my-project/us-central1-b/vm-1"));
  EXPECT_FALSE(attest::identity_matches(identity, "other/us-central1-a/vm-1"));
  EXPECT_FALSE(attest::identity_matches(identity, "my-project/us-central1-a/vm-2"));
  EXPECT_FALSE(attest::identity_matches(identity, "my-project/us-central1-a"));
  EXPECT_FALSE(attest::identity_matches(identity, "my-project/us-central1-a/vm-1/x"));
  EXPECT_FALSE(attest::identity_matches(identity, "//"));
}

attest::AkAnchors test_anchors() {
  auto anchors = attest::ak_anchors_from_pem(ca().root_pem(), "the test CA");
  EXPECT_TRUE(anchors) << anchors.error().message;
  auto intermediates = common::x509::parse_chain_pem(ca().intermediate_pem());
  EXPECT_TRUE(intermediates);
  for (auto& c : *intermediates) anchors->intermediates.push_back(std::move(c));
  return std::move(*anchors);
}

TEST(AkTrust, AnAkCertificateFromTheCaVerifiesWithItsIdentity) {
  auto ak = crypto::generate_p256();
  auto pem = fixtures::AkCertificateAuthority::der_to_pem(
      ca().issue_ak_certificate_der(ak->get(), fixtures::simulated_instance()));
  auto verified = attest::verify_ak_certificate(pem, ak->get(), test_anchors());
  ASSERT_TRUE(verified) << verified.error().message;
  ASSERT_TRUE(verified->identity.has_value());
  EXPECT_EQ(verified->identity->instance_name, "appliance");
  EXPECT_EQ(verified->identity->instance_id, 4520031799277581759ULL);
  // An operator's --ak-ca file holding root and intermediate works the same.
  auto bundle = attest::ak_anchors_from_pem(ca().root_pem() + ca().intermediate_pem(), "bundle");
  EXPECT_TRUE(attest::verify_ak_certificate(pem, ak->get(), *bundle));
}

TEST(AkTrust, RefusesAnotherKeyAnotherCaACaCertificateAndNoAnchor) {
  auto ak = crypto::generate_p256();
  auto other = crypto::generate_p256();
  auto pem = fixtures::AkCertificateAuthority::der_to_pem(
      ca().issue_ak_certificate_der(ak->get(), fixtures::simulated_instance()));
  // The certificate is for `ak`, not for the key that signed the quote.
  auto mismatch = attest::verify_ak_certificate(pem, other->get(), test_anchors());
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message.find("another key"), std::string::npos);
  // A CA of the same shape that is not the trusted one.
  fixtures::AkCertificateAuthority stranger("Stranger CA");
  auto foreign = fixtures::AkCertificateAuthority::der_to_pem(
      stranger.issue_ak_certificate_der(ak->get(), fixtures::simulated_instance()));
  auto untrusted = attest::verify_ak_certificate(foreign, ak->get(), test_anchors());
  ASSERT_FALSE(untrusted);
  EXPECT_NE(untrusted.error().message.find("does not chain"), std::string::npos);
  // The intermediate itself is no AK certificate, even for its own key.
  auto intermediate = common::x509::parse_chain_pem(ca().intermediate_pem());
  auto as_leaf = attest::verify_ak_certificate(
      ca().intermediate_pem(), X509_get0_pubkey((*intermediate)[0].get()), test_anchors());
  EXPECT_FALSE(as_leaf);
  // No anchors at all: nothing verifies.
  attest::AkAnchors none;
  none.description = "nothing";
  EXPECT_FALSE(attest::verify_ak_certificate(pem, ak->get(), none));
  // Google's anchors do not vouch for the test CA.
  EXPECT_FALSE(attest::verify_ak_certificate(pem, ak->get(), *attest::google_ak_anchors()));
}

TEST(AkTrust, GoogleRootsAreTheDocumentedOnes) {
  // SHA-256 fingerprints from Google's published certificates (see
  // docs/attestation.md); a changed byte in the built-in PEM fails here.
  const std::vector<std::string> roots = {
      "594759594b9b61524f6c8ef668f7177f7b9066bc0674f2f49fe9e052be78beb2",
      "9bd5285f8fb18502a7947e621ffd470266f49fcd3b73e19a190f690ad32a7caf"};
  const std::vector<std::string> intermediates = {
      "c84de8116dfaf5a908f21e810487791f5437e206d00ad8025050cca6bd2ff627",
      "5d8dbcf8c8053dd8ffad711b6219355032b7122c34cac0f90ccb49def69ec504",
      "7132b6ea71101f6c51bb58f98c3798c19b65be510eca0344318900510b593178"};
  auto fingerprints = [](std::span<const std::string_view> pems) {
    std::vector<std::string> out;
    for (auto pem : pems) {
      auto chain = common::x509::parse_chain_pem(pem);
      EXPECT_TRUE(chain && chain->size() == 1);
      unsigned char digest[32];
      unsigned int size = 0;
      X509_digest((*chain)[0].get(), EVP_sha256(), digest, &size);
      out.push_back(crypto::hex(std::string(reinterpret_cast<char*>(digest), size)));
    }
    return out;
  };
  EXPECT_EQ(fingerprints(attest::google_ak_root_pems()), roots);
  EXPECT_EQ(fingerprints(attest::google_ak_intermediate_pems()), intermediates);
  // Each intermediate chains to one of the roots.
  auto anchors = attest::google_ak_anchors();
  ASSERT_TRUE(anchors) << anchors.error().message;
  EXPECT_EQ(anchors->trusted.size(), 2u);
  EXPECT_EQ(anchors->intermediates.size(), 3u);
  EXPECT_FALSE(anchors->partial_chains);
}

}  // namespace
