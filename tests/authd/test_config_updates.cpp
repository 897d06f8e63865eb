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
  std::unique_ptr<authd::ConfigUpdater> updater(std::chrono::seconds poll = 0s) {
    return std::make_unique<authd::ConfigUpdater>(
        authd::ConfigSource::metadata, authd::SecretManagerOptions{}, current(),
        [this](authd::Config config) {
          std::lock_guard lock(mutex_);
          applied_.push_back(std::move(config));
        },
        poll, metadata_options());
  }
  std::size_t applied_count() {
    std::lock_guard lock(mutex_);
    return applied_.size();
  }

  std::map<std::string, std::string> values_ = {{"domain", "login.example.com"},
                                                {"paypal_client_id", "AZ123"},
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
  EXPECT_EQ(applied_[0].clients.size(), 3U);
}

TEST_F(ConfigUpdaterTest, ARotatedSecretIsAChange) {
  auto updates = updater();
  metadata_.set_instance_attribute("paypal_client_secret", "EGrotated");
  updates->offer(values_);
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
