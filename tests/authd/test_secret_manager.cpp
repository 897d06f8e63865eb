// The PayPal client secret from the metadata server, directly or through a
// Secret Manager reference resolved with the service account's token.

#include <gtest/gtest.h>

#include "authd/config_loader.hpp"
#include "authd/crc32c.hpp"
#include "fixtures/metadata_server.hpp"
#include "fixtures/secret_manager.hpp"

namespace {

constexpr const char* kRef = "projects/appliance-test/secrets/paypal-secret/versions/3";

class SecretSourceTest : public ::testing::Test {
 protected:
  SecretSourceTest() : secrets_(metadata_.access_token()) {
    secrets_.add_secret_version(kRef, "EGsecret-from-secret-manager\n");
  }
  common::MetadataClient client() {
    common::MetadataOptions options;
    options.host = metadata_.address();
    options.max_attempts = 1;
    return common::MetadataClient(options);
  }
  authd::SecretManagerOptions sm() { return {secrets_.base_url(), secrets_.ca_pem()}; }

  fixtures::MetadataServer metadata_;
  fixtures::SecretManagerSim secrets_;
};

TEST_F(SecretSourceTest, DirectAttributeWins) {
  metadata_.set_instance_attribute("paypal_client_secret", "EGdirect");
  metadata_.set_instance_attribute("paypal_client_secret_ref", kRef);
  auto secret = authd::load_paypal_secret(client(), sm());
  ASSERT_TRUE(secret) << secret.error().message;
  EXPECT_EQ(*secret, "EGdirect");
  EXPECT_EQ(secrets_.requests(), 0);
}

TEST_F(SecretSourceTest, ReferenceIsResolvedThroughSecretManager) {
  metadata_.set_project_attribute("paypal_client_secret_ref", kRef);
  auto secret = authd::load_paypal_secret(client(), sm());
  ASSERT_TRUE(secret) << secret.error().message;
  EXPECT_EQ(*secret, "EGsecret-from-secret-manager") << "trailing newline trimmed";
  EXPECT_EQ(secrets_.requests(), 1);
}

TEST_F(SecretSourceTest, ChecksumMismatchIsAnError) {
  metadata_.set_instance_attribute("paypal_client_secret_ref", kRef);
  secrets_.set_corrupt_checksum(true);
  auto secret = authd::load_paypal_secret(client(), sm());
  ASSERT_FALSE(secret);
  EXPECT_NE(secret.error().message.find("CRC32C"), std::string::npos);
}

TEST_F(SecretSourceTest, MissingVersionWrongTokenAndBadNamesFail) {
  metadata_.set_instance_attribute("paypal_client_secret_ref",
                                   "projects/appliance-test/secrets/other/versions/1");
  auto missing = authd::load_paypal_secret(client(), sm());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, common::Error::Kind::not_found);

  auto wrong_token = authd::access_secret_version(kRef, "ya29.wrong", sm());
  ASSERT_FALSE(wrong_token);
  EXPECT_EQ(wrong_token.error().kind, common::Error::Kind::permission);

  metadata_.set_instance_attribute("paypal_client_secret_ref", "../../etc/passwd");
  auto bad_name = authd::load_paypal_secret(client(), sm());
  ASSERT_FALSE(bad_name);
  EXPECT_EQ(bad_name.error().kind, common::Error::Kind::invalid_input);
}

TEST_F(SecretSourceTest, NeitherSecretNorReferenceIsAPermanentError) {
  auto none = authd::load_paypal_secret(client(), sm());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, common::Error::Kind::invalid_input);
}

TEST(Crc32cAgreement, AuthdAndTheLookAlikeAgree) {
  for (const std::string& data :
       std::vector<std::string>{"", "a", "EGsecret", std::string(1000, '\xff')}) {
    EXPECT_EQ(authd::crc32c(data), fixtures::secret_manager_crc32c(data));
  }
}

}  // namespace
