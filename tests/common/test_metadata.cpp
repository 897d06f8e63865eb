// The metadata client against the GCP look-alike (tests/fixtures), and the
// look-alike's own GCP behaviour checked with a plain HTTP client.
#include "common/metadata.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "common/http_client.hpp"
#include "fixtures/metadata_server.hpp"
#include "fixtures/process.hpp"

namespace {

using common::Error;
using common::MetadataClient;
using common::MetadataOptions;
using fixtures::MetadataServer;

const nlohmann::json kConfig = {
    {"instance", {{"attributes", {{"domain", "login.example.test"}, {"shared", "instance"}}}}},
    {"project",
     {{"attributes", {{"shared", "project"}, {"paypal-env", "sandbox"}}},
      {"project-id", "test-project"}}}};

// Fast retries so that failure paths take milliseconds.
MetadataOptions fast(const MetadataServer& server) {
  return {.host = server.address(),
          .timeout = std::chrono::milliseconds(2000),
          .max_attempts = 3,
          .initial_backoff = std::chrono::milliseconds(10),
          .max_backoff = std::chrono::milliseconds(40)};
}

common::Result<common::HttpResponse> raw_get(const MetadataServer& server, const std::string& path,
                                             bool flavor = true) {
  common::HttpRequest request{.url = "http://" + server.address() + "/computeMetadata/v1/" + path};
  if (flavor) request.headers = {{"Metadata-Flavor", "Google"}};
  return common::http_request(request);
}

TEST(MetadataServerFixture, RequiresTheFlavorHeaderAsGcpDoes) {
  MetadataServer server(kConfig);
  auto refused = raw_get(server, "instance/attributes/domain", false);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(refused->body.find("Missing Metadata-Flavor:Google header."), std::string::npos);
  auto ok = raw_get(server, "instance/attributes/domain");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "login.example.test");
  EXPECT_EQ(ok->header("metadata-flavor"), "Google");
  EXPECT_EQ(ok->header("etag")->size(), 16U);
}

TEST(MetadataServerFixture, ListsDirectoriesAndAnswersJson) {
  MetadataServer server(kConfig);
  auto listing = raw_get(server, "instance/attributes/");
  ASSERT_TRUE(listing.has_value());
  EXPECT_EQ(listing->body, "domain\nshared\n");
  auto root = raw_get(server, "instance/");
  ASSERT_TRUE(root.has_value());
  EXPECT_NE(root->body.find("attributes/\n"), std::string::npos);
  EXPECT_NE(root->body.find("service-accounts/\n"), std::string::npos);
  auto as_json = raw_get(server, "project/attributes/?alt=json");
  ASSERT_TRUE(as_json.has_value());
  EXPECT_EQ(nlohmann::json::parse(as_json->body),
            (nlohmann::json{{"paypal-env", "sandbox"}, {"shared", "project"}}));
  auto value_json = raw_get(server, "instance/attributes/domain?alt=json");
  EXPECT_EQ(value_json->body, "\"login.example.test\"");
  auto redirect = raw_get(server, "instance/attributes");
  EXPECT_EQ(redirect->status, 301);
}

TEST(MetadataClient, ReadsAttributesWithGcpPrecedence) {
  MetadataServer server(kConfig);
  MetadataClient client(fast(server));
  EXPECT_EQ(client.instance_attribute("domain").value(), "login.example.test");
  EXPECT_EQ(client.project_attribute("paypal-env").value(), "sandbox");
  EXPECT_EQ(client.attribute("shared").value(), "instance");     // instance wins
  EXPECT_EQ(client.attribute("paypal-env").value(), "sandbox");  // falls back to project
  EXPECT_EQ(client.get("project/project-id").value(), "test-project");
  EXPECT_FALSE(client.get("instance/id").value().empty());
  EXPECT_FALSE(client.get("instance/hostname").value().empty());
}

TEST(MetadataClient, MissingAttributeIsNotFoundAndNotRetried) {
  MetadataServer server(kConfig);
  MetadataClient client(fast(server));
  auto missing = client.attribute("absent");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind, Error::Kind::not_found);
  EXPECT_EQ(server.request_count(), 2U);  // instance then project, once each
}

TEST(MetadataClient, RefusesPathsThatWouldLeaveTheApi) {
  MetadataServer server(kConfig);
  MetadataClient client(fast(server));
  for (const char* bad : {"../x", "/instance/id", "instance/id?recursive=true", "", "a b"}) {
    auto result = client.get(bad);
    ASSERT_FALSE(result.has_value()) << bad;
    EXPECT_EQ(result.error().kind, Error::Kind::invalid_input);
  }
  EXPECT_FALSE(client.instance_attribute("a/b").has_value());
  EXPECT_EQ(server.request_count(), 0U);
}

TEST(MetadataClient, RetriesServerErrorsThenSucceeds) {
  MetadataServer server(kConfig);
  server.fail_next(2, 503);
  MetadataClient client(fast(server));
  EXPECT_EQ(client.instance_attribute("domain").value(), "login.example.test");
  EXPECT_EQ(server.request_count(), 3U);
}

TEST(MetadataClient, PersistentServerErrorsAreAnEnvironmentError) {
  MetadataServer server(kConfig);
  server.fail_next(100, 500);
  MetadataClient client(fast(server));
  auto result = client.instance_attribute("domain");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, Error::Kind::environment);
  EXPECT_EQ(server.request_count(), 3U);  // max_attempts
}

TEST(MetadataClient, DownServerIsAnEnvironmentErrorAfterRetries) {
  auto options = MetadataOptions{.host = "127.0.0.1:" + std::to_string(fixtures::free_tcp_port()),
                                 .max_attempts = 3,
                                 .initial_backoff = std::chrono::milliseconds(10),
                                 .max_backoff = std::chrono::milliseconds(40)};
  MetadataClient client(options);
  auto result = client.instance_attribute("domain");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, Error::Kind::environment);
  EXPECT_NE(result.error().message.find("after 3 attempts"), std::string::npos)
      << result.error().message;
}

TEST(MetadataClient, StoppedServerIsUnreachableNotMissing) {
  auto server = std::make_unique<MetadataServer>(kConfig);
  MetadataClient client(fast(*server));
  ASSERT_TRUE(client.instance_attribute("domain").has_value());
  server->stop();
  auto result = client.instance_attribute("domain");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, Error::Kind::environment);
}

TEST(MetadataClient, SlowServerTimesOut) {
  MetadataServer server(kConfig);
  server.set_delay(std::chrono::seconds(5));
  auto options = fast(server);
  options.timeout = std::chrono::milliseconds(200);
  options.max_attempts = 2;
  MetadataClient client(options);
  const auto start = std::chrono::steady_clock::now();
  auto result = client.instance_attribute("domain");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, Error::Kind::environment);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST(MetadataClient, AnswerWithoutTheFlavorHeaderIsNotTrusted) {
  // A plain web server on the metadata port (a misrouted request, a proxy).
  httplib::Server impostor;
  impostor.Get(".*", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("value", "text/plain");
  });
  const int port = impostor.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { impostor.listen_after_bind(); });
  ASSERT_TRUE(fixtures::wait_until([&] { return impostor.is_running(); }, std::chrono::seconds(5)));
  MetadataClient client({.host = "127.0.0.1:" + std::to_string(port), .max_attempts = 1});
  auto result = client.instance_attribute("domain");
  impostor.stop();
  thread.join();
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message.find("Metadata-Flavor"), std::string::npos);
}

TEST(MetadataClient, HonoursGceMetadataHost) {
  MetadataServer server(kConfig);
  setenv("GCE_METADATA_HOST", server.address().c_str(), 1);
  MetadataClient client;
  unsetenv("GCE_METADATA_HOST");
  EXPECT_EQ(client.base_url(), "http://" + server.address() + "/computeMetadata/v1/");
  EXPECT_EQ(client.instance_attribute("domain").value(), "login.example.test");
  EXPECT_EQ(MetadataClient().base_url(), "http://169.254.169.254/computeMetadata/v1/");
}

TEST(MetadataClient, WatchSeesAChangeMadeMeanwhile) {
  MetadataServer server(kConfig);
  MetadataClient client(fast(server));
  auto first = client.watch("instance/attributes/domain", "", std::chrono::seconds(10));
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->value, "login.example.test");

  std::thread changer([&] {
    // Change only once the long-poll is parked on the server.
    fixtures::wait_until([&] { return server.request_count() >= 2; }, std::chrono::seconds(5));
    server.set_instance_attribute("domain", "new.example.test");
  });
  auto changed = client.watch("instance/attributes/domain", first->etag, std::chrono::seconds(20));
  changer.join();
  ASSERT_TRUE(changed.has_value()) << changed.error().message;
  EXPECT_EQ(changed->value, "new.example.test");
  EXPECT_NE(changed->etag, first->etag);
}

TEST(MetadataClient, WatchReturnsTheSameValueWhenNothingChanges) {
  MetadataServer server(kConfig);
  MetadataClient client(fast(server));
  auto first = client.watch("instance/attributes/domain", "", std::chrono::seconds(1));
  ASSERT_TRUE(first.has_value());
  auto same = client.watch("instance/attributes/domain", first->etag, std::chrono::seconds(1));
  ASSERT_TRUE(same.has_value()) << same.error().message;
  EXPECT_EQ(same->etag, first->etag);
  // A stale etag answers at once with the current value.
  auto stale =
      client.watch("instance/attributes/domain", "0123456789abcdef", std::chrono::seconds(30));
  ASSERT_TRUE(stale.has_value());
  EXPECT_EQ(stale->value, "login.example.test");
  auto missing = client.watch("instance/attributes/absent", "", std::chrono::seconds(1));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind, Error::Kind::not_found);
}

TEST(MetadataClient, ReadsTheServiceAccountToken) {
  MetadataServer server(kConfig);
  MetadataClient client(fast(server));
  auto token = client.service_account_token();
  ASSERT_TRUE(token.has_value()) << token.error().message;
  EXPECT_EQ(token->token, server.access_token());
  EXPECT_GT(token->expires_in.count(), 0);

  server.set("instance/service-accounts/default/token", R"({"expires_in": 10})");
  auto broken = client.service_account_token();
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().kind, Error::Kind::invalid_input);
}

TEST(GceMetadataSim, ServesAConfigFileAsAProgram) {
  fixtures::TempDir dir;
  const auto config = dir.path() / "config.json";
  std::ofstream(config) << kConfig.dump();
  const auto port_file = dir.path() / "port";
  fixtures::ProcessOptions options;
  options.argv = {fixtures::project_binary("gce-metadata-sim").string(), "--port=0",
                  "--config=" + config.string(), "--port-file=" + port_file.string()};
  options.log_file = dir.path() / "log";
  fixtures::Process sim(options);
  ASSERT_TRUE(fixtures::wait_until(
      [&] {
        return std::filesystem::exists(port_file) && std::filesystem::file_size(port_file) > 0;
      },
      std::chrono::seconds(10)))
      << sim.log();
  int port = 0;
  std::ifstream(port_file) >> port;
  MetadataClient client({.host = "127.0.0.1:" + std::to_string(port), .max_attempts = 1});
  EXPECT_EQ(client.project_attribute("paypal-env").value(), "sandbox");
  EXPECT_EQ(WEXITSTATUS(sim.stop(SIGTERM)), 0) << sim.log();

  auto bad =
      fixtures::run_command({fixtures::project_binary("gce-metadata-sim").string(), "--bogus"});
  EXPECT_EQ(bad.exit_code, 100) << bad.output;
}

}  // namespace
