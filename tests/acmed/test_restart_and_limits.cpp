// acmed against pebble where a CA's limits bite: names OpenSSL cannot put in
// a Common Name, a restart that must not spend a new account and certificate,
// problems that must not discard the account, and long Retry-After values.

#include <sys/stat.h>

#include <set>

#include <gtest/gtest.h>

#include "acmed_harness.hpp"
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
  EXPECT_EQ(harness.log_count("unable to create the bootstrap certificate"), 0U) << harness.log();
}

}  // namespace
}  // namespace acmed_test
