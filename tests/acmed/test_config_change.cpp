// What a configuration change means (compare_configs), the hand-over of
// pushed configurations to the worker (ConfigInbox waking a StopSignal wait),
// and the --config-poll-ms flag.

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "acmed/config.hpp"
#include "acmed/config_change.hpp"
#include "acmed/config_inbox.hpp"
#include "acmed/options.hpp"
#include "acmed/stop_signal.hpp"

namespace {

using namespace std::chrono_literals;
using acmed::compare_configs;
using acmed::Config;

Config base() {
  auto config = acmed::config_from_values({{"domain", "app.example.com"},
                                           {"acme_directory", "https://ca.example/dir"},
                                           {"acme_contact", "ops@example.com"}},
                                          std::nullopt);
  EXPECT_TRUE(config);
  return *config;
}

TEST(AcmedConfigChange, SameValuesMeanNothing) {
  EXPECT_FALSE(compare_configs(base(), base()).any());
}

TEST(AcmedConfigChange, NamesAddedOrRemovedWantANewOrderButNotTheirOrder) {
  Config more = base();
  more.domains.push_back("www.example.com");
  auto added = compare_configs(base(), more);
  EXPECT_TRUE(added.names);
  EXPECT_TRUE(added.needs_new_order());
  EXPECT_FALSE(added.account);
  EXPECT_TRUE(compare_configs(more, base()).needs_new_order());  // removed

  Config swapped = more;
  std::swap(swapped.domains[0], swapped.domains[1]);
  auto reordered = compare_configs(more, swapped);
  EXPECT_TRUE(reordered.any());
  EXPECT_TRUE(reordered.first_name);
  EXPECT_FALSE(reordered.needs_new_order());  // the certificate covers the same names
}

TEST(AcmedConfigChange, DirectoryCaOrEabMeanANewAccountAndOrder) {
  Config staging = base();
  staging.directory_url = "https://staging.ca.example/dir";
  Config ca = base();
  ca.ca_pem = "-----BEGIN CERTIFICATE-----";
  Config eab = base();
  eab.eab = acmed::ExternalAccountBinding{"kid", "secret"};
  for (const auto& changed : {staging, ca, eab}) {
    auto change = compare_configs(base(), changed);
    EXPECT_TRUE(change.account);
    EXPECT_TRUE(change.needs_new_order());
  }
  Config other_secret = eab;
  other_secret.eab->hmac_base64url = "other";
  EXPECT_TRUE(compare_configs(eab, other_secret).account);
}

TEST(AcmedConfigChange, ProfileOrdersContactsAndIssuerDoNot) {
  Config profile = base();
  profile.profile = "shortlived";
  EXPECT_TRUE(compare_configs(base(), profile).needs_new_order());

  Config contact = base();
  contact.contacts = {"other@example.com"};
  auto change = compare_configs(base(), contact);
  EXPECT_TRUE(change.contacts);
  EXPECT_FALSE(change.needs_new_order());
  EXPECT_EQ(change.changed(), std::vector<std::string>{"acme_contact"});

  Config issuer = base();
  issuer.preferred_issuer = "Root X2";
  EXPECT_TRUE(compare_configs(base(), issuer).preferred_issuer);
  EXPECT_FALSE(compare_configs(base(), issuer).needs_new_order());
}

TEST(AcmedConfigChange, ReplacesNeedsASharedName) {
  EXPECT_TRUE(acmed::share_a_name({"a.example", "b.example"}, {"b.example", "c.example"}));
  EXPECT_FALSE(acmed::share_a_name({"a.example"}, {"c.example"}));
  EXPECT_FALSE(acmed::share_a_name({}, {"c.example"}));
}

TEST(AcmedConfigInbox, AnOfferWakesTheWaitAndTheLatestWins) {
  acmed::StopSignal signal;
  acmed::ConfigInbox inbox(signal);
  EXPECT_FALSE(inbox.take());
  const auto start = std::chrono::steady_clock::now();
  std::thread offerer([&] {
    inbox.offer({{"domain", "old.example"}});
    inbox.offer({{"domain", "new.example"}});
  });
  // Without the wake this would wait the whole minute.
  EXPECT_TRUE(signal.wait_for(60s));
  offerer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
  auto taken = inbox.take();
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->at("domain"), "new.example");
  EXPECT_FALSE(inbox.take());
  signal.request();
  EXPECT_FALSE(signal.wait_for(60s));  // a stop still ends waits with false
}

TEST(AcmedOptions, ConfigPollInterval) {
  auto defaults = acmed::parse_options({});
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->renewer.config_poll, 30000ms);
  auto fast = acmed::parse_options({{"config-poll-ms", "200"}});
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->renewer.config_poll, 200ms);
  EXPECT_FALSE(acmed::parse_options({{"config-poll-ms", "5"}}));
  EXPECT_FALSE(acmed::parse_options({{"config-poll-ms", "soon"}}));
}

}  // namespace
