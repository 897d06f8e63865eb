// acmed against pebble where a CA's limits bite: names OpenSSL cannot put in
// a Common Name, a restart that must not spend a new account and certificate,
// problems that must not discard the account, and long Retry-After values.

#include <sys/stat.h>

#include <set>

#include <gtest/gtest.h>

#include "acmed/account.hpp"
#include "acmed/acme_transport.hpp"
#include "acmed/http01_responder.hpp"
#include "acmed/order.hpp"
#include "acmed/state_store.hpp"
#include "acmed_harness.hpp"
#include "common/crypto.hpp"
#include "common/listen_fds.hpp"
#include "common/x509.hpp"

namespace acmed_test {
namespace {

using namespace std::chrono_literals;

constexpr auto kIssueTimeout = 45s;

std::set<std::string> leaf_names(const std::string& chain_pem) {
  auto leaf = common::x509::describe_leaf_pem(chain_pem);
  if (!leaf) return {};
  return {leaf->dns_names.begin(), leaf->dns_names.end()};
}

// A Common Name holds at most 64 characters; a longer first name must not
// keep every name from getting a certificate.
TEST(AcmedLimits, AFirstNameLongerThanACommonNameStillGetsACertificate) {
  const std::string long_name = std::string(60, 'a') + ".example.com";
  ASSERT_GT(long_name.size(), 64U);
  HarnessOptions options;
  options.attributes["domain"] = long_name + "," + kDomain;
  AcmedHarness harness(options);
  harness.start_acmed();
  auto issued = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(issued.is_object());
  EXPECT_EQ(leaf_names(issued["chain_pem"]), (std::set<std::string>{long_name, kDomain}));
  EXPECT_EQ(openssl_verify(issued["chain_pem"], harness.pebble().root_pem()), "");
  // The bootstrap certificate was served meanwhile, for the same names.
  EXPECT_EQ(harness.log_count("\"event\":\"certificate.bootstrap_failed\""), 0U) << harness.log();
}

// With no name short enough for a Common Name at all, the CSR and the
// bootstrap certificate carry the names in a critical SAN alone, as RFC 5280
// allows and CAs accept.
TEST(AcmedLimits, OnlyANameLongerThanACommonNameStillGetsACertificate) {
  const std::string long_name = std::string(60, 'b') + ".example.com";
  HarnessOptions options;
  options.attributes["domain"] = long_name;
  AcmedHarness harness(options);
  harness.start_acmed();
  auto issued = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(issued.is_object()) << harness.log();
  EXPECT_EQ(leaf_names(issued["chain_pem"]), (std::set<std::string>{long_name}));
  EXPECT_EQ(openssl_verify(issued["chain_pem"], harness.pebble().root_pem()), "");
  EXPECT_EQ(harness.log_count("\"event\":\"certificate.bootstrap_failed\""), 0U) << harness.log();
}

// A restart of the process (a crash loop, an upgrade) keeps the account and
// the certificate: no new account, no new order, and the CA's certificate
// served from the first moment instead of a bootstrap one. The state lives in
// acmed's run directory, 0600.
TEST(AcmedRestart, KeepsTheAccountAndCertificateAcrossARestart) {
  AcmedHarness harness;
  harness.start_acmed();
  auto first = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(first.is_object());
  harness.stop_acmed();
  for (const char* name : {"account.json", "certificate.json"}) {
    struct stat info {};
    const auto path = harness.run_dir() / "acmed" / name;
    ASSERT_EQ(stat(path.c_str(), &info), 0) << path;
    EXPECT_EQ(info.st_mode & 0777, 0600U) << path;
  }
  const auto accounts = harness.log_count("\"event\":\"account.registered\"");
  const auto orders = harness.log_count("\"event\":\"order.created\"");
  ASSERT_EQ(accounts, 1U);
  ASSERT_EQ(orders, 1U);

  harness.start_acmed();
  // The first certificate served after the restart (before, a bootstrap one).
  common::Result<common::json> served = std::unexpected(common::Error{});
  ASSERT_TRUE(fixtures::wait_until(
      [&] {
        served = harness.certificate();
        return served.has_value();
      },
      10s))
      << harness.log();
  EXPECT_EQ((*served)["self_signed"], false) << harness.log();
  EXPECT_EQ((*served)["chain_pem"], first["chain_pem"]);
  ASSERT_TRUE(harness.wait_for_log("\"event\":\"renewal.scheduled\"", 20s)) << harness.log();
  EXPECT_EQ(harness.log_count("\"event\":\"account.registered\""), accounts) << harness.log();
  EXPECT_EQ(harness.log_count("\"event\":\"order.created\""), orders) << harness.log();
}

// A run that dies after sending finalize (here: the test, as that run, stops
// right after) leaves the order in the state directory; the next start picks
// it up and downloads its certificate instead of ordering again.
TEST(AcmedRestart, ResumesAFinalizedOrderInsteadOfOrderingAgain) {
  AcmedHarness harness;
  const std::string directory_url = harness.pebble().directory_url();
  acmed::AcmeTransport transport(acmed::TransportOptions{harness.pebble().listener_ca_pem()});
  auto directory = transport.fetch_directory(directory_url);
  ASSERT_TRUE(directory) << directory.error().message;
  auto key = common::crypto::generate_p256();
  ASSERT_TRUE(key);
  auto account = acmed::register_account(transport, *directory, std::move(*key), {});
  ASSERT_TRUE(account) << account.error().message;
  const acmed::StateStore state((harness.run_dir() / "acmed").string());
  ASSERT_TRUE(state.save(acmed::SavedAccount{
      directory_url, account->url, *common::crypto::private_key_pem(account->key.get())}));

  acmed::ChallengeBook book;
  acmed::Http01Responder responder(book);
  auto fd = common::bind_tcp_listener("127.0.0.1", harness.http_port());
  ASSERT_TRUE(fd) << fd.error().message;
  ASSERT_TRUE(responder.start(*fd));
  acmed::StopSignal stop;
  const acmed::OrderJournal journal{[&](const std::string& url, const std::string& key_pem) {
    ASSERT_TRUE(
        state.save(acmed::SavedOrder{directory_url, account->url, {kDomain}, url, key_pem}));
    stop.request();  // this run ends once finalize is sent
  }};
  const acmed::OrderRequest request{{kDomain}, "", "", ""};
  auto issued = acmed::issue_certificate(transport, *directory, *account, book, request,
                                         acmed::PollPolicy{}, stop, journal);
  ASSERT_FALSE(issued);
  ASSERT_TRUE(state.order());
  responder.stop();

  harness.start_acmed();
  auto resumed = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(resumed.is_object());
  EXPECT_EQ(openssl_verify(resumed["chain_pem"], harness.pebble().root_pem()), "");
  EXPECT_EQ(harness.log_count("\"event\":\"order.resumed\""), 1U) << harness.log();
  EXPECT_EQ(harness.log_count("\"event\":\"order.created\""), 0U) << harness.log();
  EXPECT_EQ(harness.log_count("\"event\":\"account.registered\""), 0U) << harness.log();
  EXPECT_FALSE(state.order()) << "the finished order stays saved";
}

}  // namespace
}  // namespace acmed_test
