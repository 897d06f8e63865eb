// acmed follows configuration changes without a restart, against a real
// pebble: through attestd's config.updated (here a stand-in attestd socket)
// and by polling the metadata server. A changed name set gets a new
// certificate pushed to subscribers; an invalid change is ignored and the
// current certificate stays; a change in nothing acmed uses orders nothing.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/post.hpp>

#include "acmed_harness.hpp"
#include "common/ipc_client.hpp"
#include "common/ipc_server.hpp"
#include "common/x509.hpp"

namespace acmed_test {
namespace {

using namespace std::chrono_literals;

constexpr auto kIssueTimeout = 45s;
constexpr const char* kOrderLog = "\"event\":\"order.created\"";

std::set<std::string> leaf_names(const std::string& chain_pem) {
  auto leaf = common::x509::describe_leaf_pem(chain_pem);
  if (!leaf) return {};
  return {leaf->dns_names.begin(), leaf->dns_names.end()};
}

// Waits for a certificate.updated event carrying a CA-issued certificate
// with a serial other than `old_serial`.
common::json next_issued_event(common::ipc::Client& subscriber, const std::string& old_serial,
                               std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto event = subscriber.next_event(2s);
    if (!event || (*event)["event"] != "certificate.updated") continue;
    const auto& data = (*event)["data"];
    if (data.value("self_signed", true)) continue;
    if (leaf_serial(data.value("chain_pem", "")) != old_serial) return data;
  }
  return {};
}

// attestd as acmed sees it: config.get answers the current configuration and
// config.updated is pushed when a test changes it.
class AttestdStandIn {
 public:
  AttestdStandIn(const std::filesystem::path& run_dir, common::json config)
      : config_(std::move(config)) {
    auto server =
        common::ipc::Server::listen(io_, (run_dir / "attestd" / "ipc.sock").string(),
                                    common::ipc::ServerOptions{.allowed_uids = {geteuid()}});
    EXPECT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    server_->on("config.get", [this](const common::json&, const common::ipc::Peer&) {
      ++gets_;
      std::lock_guard lock(mutex_);
      return common::Result<common::json>(common::json{{"config", config_}});
    });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~AttestdStandIn() {
    io_.stop();
    thread_.join();
  }
  int gets() const { return gets_.load(); }
  // Changes one attribute, as attestd does after re-measuring metadata.
  void update(const std::string& key, const std::string& value) {
    common::json snapshot;
    {
      std::lock_guard lock(mutex_);
      config_[key] = value;
      snapshot = config_;
    }
    boost::asio::post(io_, [this, snapshot] {
      server_->publish("config.updated", common::json{{"config", snapshot}});
    });
  }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<common::ipc::Server> server_;
  std::thread thread_;
  std::mutex mutex_;
  common::json config_;
  std::atomic<int> gets_{0};
};

TEST(AcmedLiveConfig, FollowsAttestdUpdatesIgnoresInvalidOnesAndUnusedKeys) {
  HarnessOptions options;
  options.config_from_attestd = true;
  AcmedHarness harness(options);
  AttestdStandIn attestd(harness.run_dir(), harness.attributes());
  harness.start_acmed();
  auto first = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(first.is_object());
  const std::string first_serial = leaf_serial(first["chain_pem"]);
  // The one-shot load and the follower (after it subscribed) both asked.
  ASSERT_TRUE(fixtures::wait_until([&] { return attestd.gets() >= 2; }, 10s)) << harness.log();
  auto subscriber = common::ipc::Client::connect(harness.socket_path());
  ASSERT_TRUE(subscriber);
  ASSERT_TRUE(subscriber->subscribe({"certificate.updated"}));

  // The follower's first config.get (same values) was seen and changed nothing.
  constexpr const char* kUnchanged = "\"event\":\"config.unchanged\"";
  ASSERT_TRUE(harness.wait_for_log(kUnchanged, 10s)) << harness.log();
  const auto unchanged = harness.log_count(kUnchanged);

  // Only authd's keys change: nothing for acmed to do.
  attestd.update("paypal_client_id", "another-client");
  ASSERT_TRUE(harness.wait_for_log(kUnchanged, 10s, unchanged + 1)) << harness.log();
  EXPECT_EQ(harness.log_count("\"event\":\"config.changed\""), 0U) << harness.log();
  EXPECT_EQ(harness.log_count(kOrderLog), 1U) << harness.log();

  // An invalid directory: logged and ignored.
  attestd.update("acme_directory", "http://127.0.0.1:1/dir");
  ASSERT_TRUE(harness.wait_for_log("\"event\":\"config.rejected\"", 10s)) << harness.log();
  EXPECT_NE(harness.log().find("must be an https:// URL"), std::string::npos);
  EXPECT_EQ(harness.log_count("\"event\":\"config.changed\""), 0U) << harness.log();
  EXPECT_EQ(harness.log_count(kOrderLog), 1U) << harness.log();
  auto still = harness.certificate();
  ASSERT_TRUE(still);
  EXPECT_EQ(leaf_serial((*still)["chain_pem"]), first_serial);

  // A valid change: the directory back, and a second name.
  attestd.update("acme_directory", harness.attributes()["acme_directory"]);
  attestd.update("domain", std::string(kDomain) + ",www.example.com");
  auto renewed = next_issued_event(*subscriber, first_serial, kIssueTimeout);
  ASSERT_TRUE(renewed.is_object()) << harness.log();
  EXPECT_EQ(leaf_names(renewed["chain_pem"]), (std::set<std::string>{kDomain, "www.example.com"}));
  EXPECT_EQ(openssl_verify(renewed["chain_pem"], harness.pebble().root_pem()), "");
  EXPECT_EQ(harness.log_count("\"event\":\"config.changed\""), 1U) << harness.log();
  EXPECT_EQ(harness.log_count(kOrderLog), 2U) << harness.log();
  auto served = harness.certificate();
  ASSERT_TRUE(served);
  EXPECT_EQ((*served)["chain_pem"], renewed["chain_pem"]);
}

TEST(AcmedLiveConfig, PollsTheMetadataServerContactsUpdateTheAccountNamesReorder) {
  HarnessOptions options;
  options.flags = {"--config-poll-ms=200"};
  AcmedHarness harness(options);
  harness.start_acmed();
  auto first = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(first.is_object());
  const std::string first_serial = leaf_serial(first["chain_pem"]);

  // A new contact updates the account in place (RFC 8555 §7.3.2), no order.
  harness.metadata().set_instance_attribute("acme_contact", "security@example.com");
  ASSERT_TRUE(harness.wait_for_log("\"event\":\"account.contacts_updated\"", 10s)) << harness.log();
  EXPECT_EQ(harness.log_count(kOrderLog), 1U) << harness.log();

  // A name removed and another added: a new certificate for the new set.
  harness.metadata().set_instance_attribute("domain", "api.example.com");
  auto renewed = harness.wait_for_issued(kIssueTimeout, first_serial);
  ASSERT_TRUE(renewed.is_object());
  EXPECT_EQ(leaf_names(renewed["chain_pem"]), std::set<std::string>{"api.example.com"});
  EXPECT_EQ(openssl_verify(renewed["chain_pem"], harness.pebble().root_pem()), "");
}

// Stands where pebble validates the old name (127.0.0.2, acmed's HTTP-01
// port) and holds each validation request until released, then answers 404:
// the order is then certainly still running, and acmed polling it, when the
// test sends a change.
class HeldValidation {
 public:
  explicit HeldValidation(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.2", &address.sin_addr);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(listen(fd_, 8), 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~HeldValidation() {
    done_ = true;
    thread_.join();
    close(fd_);
  }
  bool requested() const { return requests_.load() > 0; }
  void release() { released_ = true; }

 private:
  void serve() {
    while (!done_) {
      pollfd ready{fd_, POLLIN, 0};
      if (poll(&ready, 1, 50) <= 0) continue;
      const int connection = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) continue;
      ++requests_;
      while (!released_ && !done_) std::this_thread::sleep_for(10ms);
      constexpr std::string_view kNotFound =
          "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      [[maybe_unused]] auto sent = send(connection, kNotFound.data(), kNotFound.size(), 0);
      close(connection);
    }
  }

  int fd_ = -1;
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::atomic<bool> released_{false};
  std::atomic<int> requests_{0};
};

// A change that arrives while the order for the old names is failing ends the
// 20 s back-off of that failure: the order for the new names starts at once,
// and only one order runs at a time. The change lands while acmed polls the
// authorization (pebble's validation is held), so the poll's wait takes the
// wake-up: the worker must look for a pending change before it sleeps.
TEST(AcmedLiveConfig, AChangeWhileAnOrderFailsOrdersAgainWithoutWaitingTheBackOff) {
  HarnessOptions options;
  options.config_from_attestd = true;
  options.flags = {"--retry-initial-ms=20000", "--retry-max-ms=20000"};
  AcmedHarness harness(options);
  AttestdStandIn attestd(harness.run_dir(), harness.attributes());
  harness.pebble().set_a_record(kDomain, "127.0.0.2");
  HeldValidation held(harness.http_port());
  harness.start_acmed();
  ASSERT_TRUE(fixtures::wait_until([&] { return held.requested(); }, 20s)) << harness.log();
  attestd.update("domain", "api.example.com");
  // Nothing shows that the push reached acmed's inbox (it is applied after
  // the order): give it a second. Were it late, the wake-up would land in
  // the back-off and the test could only pass, never fail for no reason.
  std::this_thread::sleep_for(1s);
  held.release();
  ASSERT_TRUE(harness.wait_for_log("\"event\":\"challenge.failed\"", 20s)) << harness.log();
  const auto failed = std::chrono::steady_clock::now();
  // Waits longer than the back-off, so that the bound below is not this wait's.
  ASSERT_TRUE(harness.wait_for_log(kOrderLog, 40s, 2)) << harness.log();
  EXPECT_LT(std::chrono::steady_clock::now() - failed, 10s)
      << "the new order waited for the failure's back-off\n"
      << harness.log();
  auto issued = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(issued.is_object());
  EXPECT_EQ(leaf_names(issued["chain_pem"]), std::set<std::string>{"api.example.com"});
  EXPECT_EQ(harness.log_count("\"event\":\"challenge.failed\""), 1U) << harness.log();
  EXPECT_EQ(harness.log_count(kOrderLog), 2U) << harness.log();
}

// Switching CAs (as from Let's Encrypt staging to production): a new
// account on the new directory, trusted through the new acme_ca_pem, and a
// certificate from the new CA.
TEST(AcmedLiveConfig, ANewDirectoryMeansANewAccountThereAndItsCertificate) {
  HarnessOptions options;
  options.flags = {"--config-poll-ms=200"};
  AcmedHarness harness(options);
  harness.start_acmed();
  auto first = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(first.is_object());
  ASSERT_EQ(harness.log_count("\"event\":\"account.registered\""), 1U) << harness.log();

  fixtures::PebbleOptions production_options;
  production_options.http01_port = harness.http_port();
  fixtures::Pebble production(production_options);
  harness.metadata().set_instance_attribute("acme_ca_pem", production.listener_ca_pem());
  harness.metadata().set_instance_attribute("acme_directory", production.directory_url());
  auto renewed = harness.wait_for_issued(kIssueTimeout, leaf_serial(first["chain_pem"]));
  ASSERT_TRUE(renewed.is_object());
  EXPECT_EQ(openssl_verify(renewed["chain_pem"], production.root_pem()), "");
  EXPECT_NE(openssl_verify(renewed["chain_pem"], harness.pebble().root_pem()), "");
  EXPECT_EQ(harness.log_count("\"event\":\"account.registered\""), 2U) << harness.log();
}

}  // namespace
}  // namespace acmed_test
