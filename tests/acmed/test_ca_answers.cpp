// acmed against a CA look-alike that answers what pebble never does: an
// `unauthorized` problem on newOrder (which must not cost a new account) and
// a Retry-After of an hour while an order is processed (which must be
// honoured, not cut to a minute).

#include <atomic>
#include <string>

#include <gtest/gtest.h>

#include "acmed_harness.hpp"
#include "common/json.hpp"
#include "fixtures/paypal_sandbox.hpp"

namespace acmed_test {
namespace {

using namespace std::chrono_literals;

enum class OrderAnswer { unauthorized, processing_for_an_hour };

class CaLookAlike {
 public:
  explicit CaLookAlike(OrderAnswer answer) : answer_(answer) {
    auto& server = https_.server();
    server.Get("/dir", [this](const httplib::Request&, httplib::Response& res) {
      const std::string base = https_.base_url();
      res.set_content(common::dump_json({{"newNonce", base + "/nonce"},
                                         {"newAccount", base + "/account"},
                                         {"newOrder", base + "/order"}}),
                      "application/json");
    });
    auto nonce = [this](const httplib::Request&, httplib::Response& res) {
      res.set_header("Replay-Nonce", "nonce" + std::to_string(++nonces_));
      res.status = 200;
    };
    server.Get("/nonce", nonce);
    server.Post("/account", [this](const httplib::Request& req, httplib::Response& res) {
      ++accounts_;
      reply(req, res, 201, {{"status", "valid"}});
      res.set_header("Location", https_.base_url() + "/acct/1");
    });
    server.Post("/order", [this](const httplib::Request& req, httplib::Response& res) {
      ++orders_;
      if (answer_ == OrderAnswer::unauthorized) {
        reply(req, res, 403,
              {{"type", "urn:ietf:params:acme:error:unauthorized"},
               {"detail", "this account may not order these names"}},
              "application/problem+json");
        return;
      }
      reply(req, res, 201, order());
      res.set_header("Location", https_.base_url() + "/order/1");
    });
    server.Post("/order/1", [this](const httplib::Request& req, httplib::Response& res) {
      ++order_polls_;
      reply(req, res, 200, order());
      res.set_header("Retry-After", "3600");
    });
    https_.start();
  }

  std::string directory_url() const { return https_.base_url() + "/dir"; }
  const std::string& ca_pem() const { return https_.ca_pem(); }
  int accounts() const { return accounts_; }
  int orders() const { return orders_; }
  int order_polls() const { return order_polls_; }

 private:
  common::json order() const {
    return {{"status", "processing"},
            {"identifiers", {{{"type", "dns"}, {"value", kDomain}}}},
            {"authorizations", common::json::array()},
            {"finalize", https_.base_url() + "/order/1/finalize"}};
  }
  void reply(const httplib::Request&, httplib::Response& res, int status, const common::json& body,
             const char* type = "application/json") {
    res.status = status;
    res.set_header("Replay-Nonce", "nonce" + std::to_string(++nonces_));
    res.set_content(common::dump_json(body), type);
  }

  OrderAnswer answer_;
  fixtures::LocalHttpsServer https_{{"localhost"}};
  std::atomic<int> nonces_{0};
  std::atomic<int> accounts_{0};
  std::atomic<int> orders_{0};
  std::atomic<int> order_polls_{0};
};

HarnessOptions pointed_at(const CaLookAlike& ca) {
  HarnessOptions options;
  options.attributes["acme_directory"] = ca.directory_url();
  options.attributes["acme_ca_pem"] = ca.ca_pem();
  return options;
}

// RFC 8555 §7.3.1: only accountDoesNotExist says the account is gone.
// `unauthorized` is about this order; registering again for it would spend
// Let's Encrypt's limit of 10 accounts per address per 3 hours.
TEST(AcmedCaAnswers, UnauthorizedOnAnOrderKeepsTheAccount) {
  CaLookAlike ca(OrderAnswer::unauthorized);
  AcmedHarness harness(pointed_at(ca));
  harness.start_acmed();
  ASSERT_TRUE(fixtures::wait_until([&] { return ca.orders() >= 3; }, 20s)) << harness.log();
  EXPECT_EQ(ca.accounts(), 1) << harness.log();
}

// An order being processed with "Retry-After: 3600": acmed does not poll it
// again after a minute; the order is left (its deadline is shorter) and the
// next attempt is not before the CA's time.
TEST(AcmedCaAnswers, RetryAfterBeyondAMinuteWhilePollingIsHonoured) {
  CaLookAlike ca(OrderAnswer::processing_for_an_hour);
  AcmedHarness harness(pointed_at(ca));
  harness.start_acmed();
  ASSERT_TRUE(harness.wait_for_log("\"event\":\"certificate.attempt_failed\"", 20s))
      << harness.log();
  EXPECT_EQ(ca.order_polls(), 1) << harness.log();
  EXPECT_EQ(ca.orders(), 1) << harness.log();
  // The failure line says when the next attempt is: not before the hour.
  const std::string log = harness.log();
  const auto at = log.find("\"retry_in_ms\":");
  ASSERT_NE(at, std::string::npos) << log;
  const long long retry_in_ms = std::stoll(log.substr(at + 14));
  EXPECT_GT(retry_in_ms, 3500LL * 1000) << log;
}

}  // namespace
}  // namespace acmed_test
