// acmed's certificate feed as authd consumes it (issue 12, item 10): a
// restarted acmed first offers a self-signed bootstrap certificate; authd
// keeps serving the CA's unexpired certificate for the same names instead of
// swapping it for one no browser trusts, and takes the CA's next one.
#include <gtest/gtest.h>

#include <sstream>

#include "common/json.hpp"
#include "daemon_fixture.hpp"

namespace authd_test {
namespace {

using namespace std::chrono_literals;

Identity ca_issued() {
  Identity identity = make_identity();
  identity.self_signed = false;  // as acmed marks what the CA issued
  return identity;
}

// How many log lines carry `event` (the stable name, not the prose).
int event_count(const std::string& log, const std::string& event) {
  std::istringstream lines(log);
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    auto parsed = common::parse_json(line);
    if (parsed && parsed->is_object() && parsed->value("event", std::string()) == event) ++count;
  }
  return count;
}

class CertificateHandoff : public AuthdDaemonTest {};

TEST_F(CertificateHandoff, ARestartedAcmedsBootstrapDoesNotReplaceTheCasCertificate) {
  auto authd = start_authd();
  const Identity issued = ca_issued();
  peers_->renew(issued);
  ASSERT_TRUE(serving(issued.chain_pem, authd)) << log();

  // acmed restarts: its socket goes away, and the new process offers its
  // bootstrap certificate until the CA answers.
  peers_.reset();
  const Identity bootstrap = make_identity();
  peers_ = std::make_unique<PeerStandIns>(bootstrap);
  ASSERT_TRUE(fixtures::wait_until([&] { return event_count(log(), "certificate.kept") >= 1; },
                                   20s))
      << log();
  EXPECT_TRUE(serving(issued.chain_pem, authd)) << log();

  // The CA's renewal is taken at once.
  const Identity renewed = ca_issued();
  peers_->renew(renewed);
  EXPECT_TRUE(serving(renewed.chain_pem, authd)) << log();
}

TEST_F(CertificateHandoff, AKeyThatIsNotTheLeafsIsRefusedAndTheCurrentIdentityStays) {
  auto authd = start_authd();
  ASSERT_TRUE(serving(identity_.chain_pem, authd)) << log();
  // A chain whose leaf is not the key acmed names: refused, nothing changes.
  Identity mismatched = ca_issued();
  mismatched.key_pem = make_identity().key_pem;
  peers_->renew(mismatched);
  ASSERT_TRUE(fixtures::wait_until(
      [&] { return event_count(log(), "certificate.rejected") >= 1; }, 20s))
      << log();
  EXPECT_TRUE(serving(identity_.chain_pem, authd)) << log();
}

}  // namespace
}  // namespace authd_test
