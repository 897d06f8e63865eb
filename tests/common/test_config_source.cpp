// common::config against its two real sources: the GCP metadata look-alike
// and an attestd stand-in serving config.get over the real IPC socket.
#include "common/config_source.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

#include "common/ipc_contracts.hpp"
#include "common/ipc_server.hpp"
#include "fixtures/metadata_server.hpp"
#include "fixtures/process.hpp"

namespace {

using common::Error;
using common::config::Source;

constexpr std::array<std::string_view, 3> kKeys = {"domain", "acme_contact", "not_set"};

common::MetadataOptions fast(const std::string& host) {
  return {.host = host,
          .timeout = std::chrono::milliseconds(1000),
          .max_attempts = 2,
          .initial_backoff = std::chrono::milliseconds(10),
          .max_backoff = std::chrono::milliseconds(20)};
}

// attestd's config.get on a real IPC socket, answered from its own thread.
class AttestdStandIn {
 public:
  explicit AttestdStandIn(common::json reply) {
    std::promise<void> listening;
    boost::asio::post(io_, [&] {
      common::ipc::ServerOptions options;
      options.allowed_uids = {getuid()};
      server_ = common::ipc::Server::listen(
                    io_, common::contract::socket_path(common::contract::attestd::socket), options)
                    .value();
      server_->on(
          std::string(common::contract::attestd::config_get),
          [reply](const common::json&, const common::ipc::Peer&) -> common::Result<common::json> {
            return reply;
          });
      listening.set_value();
    });
    thread_ = std::thread([this] { io_.run(); });
    listening.get_future().wait();
  }
  // Pushes config.updated with `config` to every subscriber.
  void publish(common::json config) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      server_->publish(common::contract::attestd::config_updated, config);
      done.set_value();
    });
    done.get_future().wait();
  }
  ~AttestdStandIn() {
    boost::asio::post(io_, [this] {
      server_->close();
      work_.reset();
    });
    thread_.join();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::unique_ptr<common::ipc::Server> server_;
  std::thread thread_;
};

class ConfigSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("APPLIANCE_RUN_DIR", run_dir_.path().c_str(), 1);
    std::filesystem::create_directories(run_dir_.path() / "attestd");
  }
  void TearDown() override { unsetenv("APPLIANCE_RUN_DIR"); }
  fixtures::TempDir run_dir_;
};

TEST(ConfigSourceFlag, AcceptsTheTwoSourcesAndNamesTheFlagOtherwise) {
  EXPECT_EQ(common::config::parse_source("attestd").value(), Source::attestd);
  EXPECT_EQ(common::config::parse_source("metadata").value(), Source::metadata);
  auto bad = common::config::parse_source("Metadata");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, Error::Kind::invalid_input);
  EXPECT_NE(bad.error().message.find("--config-source=Metadata"), std::string::npos);
}

TEST_F(ConfigSourceTest, MetadataGivesTheSetKeysAndLeavesOutTheMissingOnes) {
  fixtures::MetadataServer server(
      {{"instance",
        {{"attributes", {{"domain", "login.example.test"}, {"unrelated", "not asked for"}}}}},
       {"project", {{"attributes", {{"acme_contact", "ops@example.test"}}}}}});
  common::MetadataClient metadata(fast(server.address()));
  auto values = common::config::load_values(Source::metadata, metadata, kKeys);
  ASSERT_TRUE(values) << values.error().message;
  EXPECT_EQ(*values, (common::config::Values{{"acme_contact", "ops@example.test"},
                                             {"domain", "login.example.test"}}));
  EXPECT_EQ(common::config::value_or_empty(*values, "not_set"), "");
}

TEST_F(ConfigSourceTest, UnreachableMetadataIsAnErrorNotAnEmptyConfiguration) {
  const int port = fixtures::free_tcp_port();
  common::MetadataClient metadata(fast("127.0.0.1:" + std::to_string(port)));
  auto values = common::config::load_values(Source::metadata, metadata, kKeys);
  ASSERT_FALSE(values);
  EXPECT_NE(values.error().message.find("unable to read domain"), std::string::npos)
      << values.error().message;
}

TEST_F(ConfigSourceTest, AttestdGivesTheAskedStringKeysOnly) {
  AttestdStandIn attestd(common::json{{"config",
                                       {{"domain", "login.example.test"},
                                        {"acme_contact", "ops@example.test"},
                                        {"paypal_client_id", "someone else's key"}}}});
  common::MetadataClient unused(fast("127.0.0.1:1"));
  auto values = common::config::load_values(Source::attestd, unused, kKeys);
  ASSERT_TRUE(values) << values.error().message;
  EXPECT_EQ(*values, (common::config::Values{{"acme_contact", "ops@example.test"},
                                             {"domain", "login.example.test"}}));
}

TEST_F(ConfigSourceTest, AttestdReplyWithoutAConfigObjectIsRejected) {
  AttestdStandIn attestd(common::json{{"config", "not an object"}});
  common::MetadataClient unused(fast("127.0.0.1:1"));
  auto values = common::config::load_values(Source::attestd, unused, kKeys);
  ASSERT_FALSE(values);
  EXPECT_EQ(values.error().kind, Error::Kind::invalid_input);
}

TEST_F(ConfigSourceTest, AbsentAttestdIsAnError) {
  common::MetadataClient unused(fast("127.0.0.1:1"));
  auto values = common::config::load_values(Source::attestd, unused, kKeys);
  ASSERT_FALSE(values);
  EXPECT_NE(values.error().message.find("unable to reach attestd"), std::string::npos)
      << values.error().message;
}

TEST_F(ConfigSourceTest, FollowingAttestdDeliversTheCurrentValuesThenEachUpdate) {
  AttestdStandIn attestd(common::json{{"config", {{"domain", "first.example.test"}}}});
  boost::asio::io_context io;
  std::vector<common::config::Values> seen;
  auto follower = common::config::follow_attestd(io, kKeys, [&](common::config::Values values) {
    seen.push_back(std::move(values));
    if (seen.size() == 1) {
      // Skipped: not a configuration.
      attestd.publish(common::json{{"config", "garbage"}});
      attestd.publish(common::json{{"config", {{"domain", "second.example.test"}}}});
    }
    if (seen.size() == 2) io.stop();
  });
  io.run_for(std::chrono::seconds(20));
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0].at("domain"), "first.example.test");
  EXPECT_EQ(seen[1].at("domain"), "second.example.test");
}

}  // namespace
