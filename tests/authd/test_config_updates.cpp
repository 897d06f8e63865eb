// ConfigUpdater on its own, against the metadata look-alike: a changed
// configuration is validated and applied whole, an unchanged one is not
// applied again, an invalid one is refused (the updater lives on and applies
// the next valid one), and with polling it notices a change by itself.

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "authd/config_updates.hpp"
#include "fixtures/metadata_server.hpp"
#include "fixtures/process.hpp"
#include "fixtures/secret_manager.hpp"
#include "flow.hpp"

namespace {

using namespace std::chrono_literals;

class ConfigUpdaterTest : public ::testing::Test {
 protected:
  ConfigUpdaterTest() {
    for (const auto& [key, value] : values_) metadata_.set_instance_attribute(key, value);
    metadata_.set_instance_attribute("paypal_client_secret", "EGsecret");
  }
  common::MetadataOptions metadata_options() const {
    common::MetadataOptions options;
    options.host = metadata_.address();
    options.max_attempts = 1;
    return options;
  }
  authd::ConfigInputs current() const {
    return authd::inputs_from(values_, common::MetadataClient(metadata_options())).value();
  }
  std::unique_ptr<authd::ConfigUpdater> updater(
      std::chrono::seconds poll = 0s, authd::SecretManagerOptions secret_manager = {},
      std::chrono::seconds secret_refresh = std::chrono::minutes(5)) {
    return std::make_unique<authd::ConfigUpdater>(
        authd::ConfigSource::metadata, std::move(secret_manager), current(),
        [this](authd::Config config) {
          std::lock_guard lock(mutex_);
          applied_.push_back(std::move(config));
        },
        poll, metadata_options(), secret_refresh);
  }
  std::size_t applied_count() {
    std::lock_guard lock(mutex_);
    return applied_.size();
  }

  std::map<std::string, std::string> values_ = {{"domain", "login.example.com"},
                                                {"paypal_client_id", "AZ123"},
                                                {"paypal_environment", "sandbox"},
                                                {"oidc_clients", authd_test::oidc_clients_json()}};
  fixtures::MetadataServer metadata_;
  std::mutex mutex_;
  std::vector<authd::Config> applied_;
};

TEST_F(ConfigUpdaterTest, AppliesOnlyValidChanges) {
  auto updates = updater();
  // One offer at a time: each round is waited for, so none replaces another.
  auto offer = [&](std::map<std::string, std::string> values) {
    const auto before = updates->rounds();
    updates->offer(std::move(values));
    return fixtures::wait_until([&] { return updates->rounds() > before; }, 10s);
  };
  ASSERT_TRUE(offer(values_));
  EXPECT_EQ(applied_count(), 0U) << "the configuration in force is not applied again";
  auto invalid = values_;
  invalid["paypal_environment"] = "staging";
  ASSERT_TRUE(offer(invalid));
  EXPECT_EQ(applied_count(), 0U) << "an invalid configuration is refused";
  auto changed = values_;
  changed["domain"] = "id.example.com";
  ASSERT_TRUE(offer(changed));
  ASSERT_TRUE(offer(changed));
  std::lock_guard lock(mutex_);
  ASSERT_EQ(applied_.size(), 1U) << "the same inputs are applied once";
  EXPECT_EQ(applied_[0].issuer, "https://id.example.com");
  EXPECT_EQ(applied_[0].paypal_client_secret, "EGsecret");
  EXPECT_EQ(applied_[0].clients.size(), 4U);
}

TEST_F(ConfigUpdaterTest, ARotatedSecretIsAChange) {
  auto updates = updater();
  metadata_.set_instance_attribute("paypal_client_secret", "EGrotated");
  updates->offer(values_);
  ASSERT_TRUE(fixtures::wait_until([&] { return applied_count() == 1; }, 10s));
  std::lock_guard lock(mutex_);
  EXPECT_EQ(applied_[0].paypal_client_secret, "EGrotated");
}

// Issue 12 item 8: a reference to versions/latest (or any alias) names
// whatever version is newest; a new version is read without any change in
// the measured configuration, even when nothing is polled.
TEST_F(ConfigUpdaterTest, ALatestSecretReferenceIsReReadAfterARotation) {
  const std::string latest = "projects/appliance-test/secrets/paypal/versions/latest";
  fixtures::SecretManagerSim secrets(metadata_.access_token());
  secrets.add_secret_version(latest, "EGfirst");
  metadata_.remove_instance_attribute("paypal_client_secret");
  metadata_.set_instance_attribute("paypal_client_secret_ref", latest);
  auto updates = updater(0s, {secrets.base_url(), secrets.ca_pem()}, 1s);
  // The updater reads the version in force when it starts; then it rotates.
  ASSERT_TRUE(fixtures::wait_until([&] { return secrets.requests() >= 1; }, 10s));
  secrets.add_secret_version(latest, "EGrotated");
  ASSERT_TRUE(fixtures::wait_until([&] { return applied_count() == 1; }, 10s));
  {
    std::lock_guard lock(mutex_);
    EXPECT_EQ(applied_[0].paypal_client_secret, "EGrotated");
  }
  const int reads = secrets.requests();
  ASSERT_TRUE(fixtures::wait_until([&] { return secrets.requests() > reads + 1; }, 10s));
  EXPECT_EQ(applied_count(), 1U) << "an unchanged secret is not applied again";
}

// The same right after start: the inputs say which secret is in force, so
// a version added before the first re-read is still a change.
TEST_F(ConfigUpdaterTest, ALatestSecretRotatedRightAfterStartIsApplied) {
  const std::string latest = "projects/appliance-test/secrets/paypal/versions/latest";
  fixtures::SecretManagerSim secrets(metadata_.access_token());
  secrets.add_secret_version(latest, "EGfirst");
  metadata_.remove_instance_attribute("paypal_client_secret");
  metadata_.set_instance_attribute("paypal_client_secret_ref", latest);
  authd::Config started;
  started.paypal_client_secret = "EGfirst";
  auto updates = std::make_unique<authd::ConfigUpdater>(
      authd::ConfigSource::metadata,
      authd::SecretManagerOptions{secrets.base_url(), secrets.ca_pem()},
      authd::in_force(current(), started),
      [this](authd::Config config) {
        std::lock_guard lock(mutex_);
        applied_.push_back(std::move(config));
      },
      0s, metadata_options(), 1s);
  secrets.add_secret_version(latest, "EGrotated");
  ASSERT_TRUE(fixtures::wait_until([&] { return applied_count() == 1; }, 10s));
  std::lock_guard lock(mutex_);
  EXPECT_EQ(applied_[0].paypal_client_secret, "EGrotated");
}

TEST_F(ConfigUpdaterTest, PollsTheMetadataServer) {
  auto updates = updater(1s);
  metadata_.set_instance_attribute("paypal_client_id", "AZother");
  ASSERT_TRUE(fixtures::wait_until([&] { return applied_count() == 1; }, 10s));
  std::lock_guard lock(mutex_);
  EXPECT_EQ(applied_[0].paypal_client_id, "AZother");
}

}  // namespace
