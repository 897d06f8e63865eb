// The trafficcop binary, run as a scheduler runs it, against look-alikes of
// Google's OAuth token endpoint, Cloud Monitoring and Compute Engine.
#include <gtest/gtest.h>

#include <chrono>

#include "compute_lookalike.hpp"
#include "fixtures/metadata_server.hpp"
#include "fixtures/process.hpp"
#include "monitoring_lookalike.hpp"
#include "oauth_lookalike.hpp"
#include "run_trafficcop.hpp"
#include "trafficcop/month.hpp"

namespace trafficcop_test {
namespace {

using nlohmann::json;

constexpr const char* kProject = "appliance-sim";
constexpr const char* kZone = "us-central1-a";
constexpr const char* kInstance = "appliance";
constexpr const char* kInstanceId = "4520031799277581759";

class TrafficcopTest : public ::testing::Test {
 protected:
  TrafficcopTest()
      : monitoring(kProject, kInstanceId), compute(kProject, kZone, kInstance, kInstanceId) {
    key_file = dir.path() / "key.json";
    fixtures::write_file(key_file, oauth.key_file().dump());
    auto accept = [this](const std::string& token) { return oauth.valid(token); };
    monitoring.require_token(accept);
    compute.require_token(accept);
  }

  // The contract's command line with this test's endpoints and key file.
  std::vector<std::string> args(std::uint64_t cap, std::vector<std::string> extra = {}) const {
    std::vector<std::string> line = {"--project=" + std::string(kProject),
                                     "--zone=" + std::string(kZone),
                                     "--instance=" + std::string(kInstance),
                                     "--cap-bytes=" + std::to_string(cap),
                                     "--monitoring-endpoint=" + monitoring.base_url(),
                                     "--compute-endpoint=" + compute.base_url()};
    bool own_credentials = false;
    for (const auto& arg : extra) own_credentials |= arg.starts_with("--credentials");
    if (!own_credentials) line.push_back("--credentials=" + key_file.string());
    line.insert(line.end(), extra.begin(), extra.end());
    return line;
  }

  static void expect_report(const RunResult& run, std::uint64_t sent, std::uint64_t cap,
                            const std::string& action) {
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const auto report = run.report();
    ASSERT_TRUE(report.has_value()) << "stdout: " << run.out;
    EXPECT_EQ(report->size(), 7U) << *report;
    EXPECT_EQ(report->value("project", ""), kProject);
    EXPECT_EQ(report->value("zone", ""), kZone);
    EXPECT_EQ(report->value("instance", ""), kInstance);
    EXPECT_EQ((*report)["sent_bytes"], sent);
    EXPECT_EQ((*report)["cap_bytes"], cap);
    EXPECT_EQ(report->value("action", ""), action);
  }

  fixtures::TempDir dir;
  std::filesystem::path key_file;
  OAuthLookalike oauth;
  MonitoringLookalike monitoring;
  ComputeLookalike compute;
};

TEST_F(TrafficcopTest, UnderTheCapStopsNothing) {
  monitoring.set_series({{400, 600}});
  const auto before = trafficcop::month_start(
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  const auto run = run_trafficcop(args(5000));
  expect_report(run, 1000, 5000, "none");
  EXPECT_EQ(compute.count_requests("/stop"), 0U);
  EXPECT_EQ(compute.status(), "RUNNING");
  // The month is the calendar month in UTC, in the report and in the query.
  const auto query = monitoring.last_query();
  EXPECT_EQ(run.report()->value("month_start", ""), query.at("interval.startTime"));
  const auto after = trafficcop::month_start(
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  const auto start = query.at("interval.startTime");
  EXPECT_TRUE(start == trafficcop::rfc3339(before) || start == trafficcop::rfc3339(after)) << start;
  EXPECT_NE(query.at("filter").find("resource.labels.instance_id = \"" + std::string(kInstanceId)),
            std::string::npos);
}

TEST_F(TrafficcopTest, AtTheCapExactlyIsNotOver) {
  monitoring.set_series({{5000}});
  expect_report(run_trafficcop(args(5000)), 5000, 5000, "none");
  EXPECT_EQ(compute.count_requests("/stop"), 0U);
}

TEST_F(TrafficcopTest, OverTheCapStopsExactlyOnceAndWaitsForTheOperation) {
  monitoring.set_series({{3000, 3001}});
  compute.set_reads_until_done(2);  // PENDING, RUNNING, then DONE
  const auto run = run_trafficcop(args(6000));
  expect_report(run, 6001, 6000, "stopped");
  EXPECT_EQ(compute.count_requests("/stop"), 1U);
  EXPECT_EQ(compute.operations_started(), 1);
  EXPECT_EQ(compute.count_requests("/operations/"), 2U);
  EXPECT_EQ(compute.status(), "TERMINATED");
}

TEST_F(TrafficcopTest, PagesAreFollowedAndSummed) {
  monitoring.set_series({{100, 200}, {300}, {400, 500, 600}, {700}}, /*per_page=*/1);
  const auto run = run_trafficcop(args(1000000));
  expect_report(run, 2800, 1000000, "none");
  EXPECT_EQ(monitoring.count_requests("/timeSeries"), 4U);
  EXPECT_EQ(monitoring.count_requests("pageToken="), 3U);
}

TEST_F(TrafficcopTest, NoDataThisMonthIsZeroBytes) {
  monitoring.set_series({});
  expect_report(run_trafficcop(args(1)), 0, 1, "none");
}

TEST_F(TrafficcopTest, RateLimitedThenSucceeds) {
  monitoring.set_series({{10}});
  monitoring.fail_next(1, 429);
  const auto run = run_trafficcop(args(100));
  expect_report(run, 10, 100, "none");
  EXPECT_EQ(monitoring.count_requests("/timeSeries"), 2U);
  EXPECT_NE(run.err.find("HTTP 429"), std::string::npos) << run.err;
}

TEST_F(TrafficcopTest, ServerErrorsOnTheStopAreRetriedWithOneRequestId) {
  monitoring.set_series({{200}});
  compute.fail_next(2, 503, "/stop");
  const auto run = run_trafficcop(args(100));
  expect_report(run, 200, 100, "stopped");
  EXPECT_EQ(compute.count_requests("/stop"), 3U);
  EXPECT_EQ(compute.operations_started(), 1);
  // All three POSTs reached the server (the first two were answered 503
  // before the handler), each with the same requestId.
  const auto ids = compute.stop_request_ids();
  ASSERT_EQ(ids.size(), 1U);
  EXPECT_EQ(ids[0].size(), 36U);
  EXPECT_EQ(ids[0][14], '4');  // a version-4 UUID
  for (const auto& line : compute.requests()) {
    if (line.find("/stop") != std::string::npos) {
      EXPECT_NE(line.find("requestId=" + ids[0]), std::string::npos) << line;
    }
  }
}

TEST_F(TrafficcopTest, PersistentServerErrorsExitOne) {
  monitoring.set_series({{10}});
  monitoring.fail_next(100, 500);
  const auto run = run_trafficcop(args(100));
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_TRUE(run.out.empty()) << run.out;
  EXPECT_EQ(monitoring.count_requests("/timeSeries"), 4U);  // bounded
}

TEST_F(TrafficcopTest, ExpiredTokenIsRefreshedOnce) {
  monitoring.set_series({{10}});
  // The first token expires between the Compute call and the Monitoring call.
  compute.require_token([this](const std::string& token) {
    const bool ok = oauth.valid(token);
    if (ok) oauth.expire_all();
    return ok;
  });
  const auto run = run_trafficcop(args(100));
  expect_report(run, 10, 100, "none");
  EXPECT_EQ(oauth.grants(), 2);
  EXPECT_EQ(monitoring.count_requests("/timeSeries"), 2U);  // 401, then with the new token
}

TEST_F(TrafficcopTest, ATokenRefusedTwiceIsNotRefreshedForever) {
  monitoring.require_token([](const std::string&) { return false; });
  const auto run = run_trafficcop(args(100));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(oauth.grants(), 2);
  EXPECT_NE(run.err.find("UNAUTHENTICATED"), std::string::npos) << run.err;
}

TEST_F(TrafficcopTest, DryRunOverTheCapOnlyReports) {
  monitoring.set_series({{7000}});
  const auto run = run_trafficcop(args(6000, {"--dry-run"}));
  expect_report(run, 7000, 6000, "would-stop");
  EXPECT_EQ(compute.count_requests("/stop"), 0U);
  EXPECT_EQ(compute.status(), "RUNNING");
}

TEST_F(TrafficcopTest, AnInstanceAlreadyStoppedIsNotStoppedAgain) {
  monitoring.set_series({{7000}});
  for (const std::string status : {"TERMINATED", "STOPPING"}) {
    compute.set_status(status);
    expect_report(run_trafficcop(args(6000)), 7000, 6000, "already-stopped");
  }
  EXPECT_EQ(compute.count_requests("/stop"), 0U);
}

TEST_F(TrafficcopTest, KeyFileGrantIsSignedRs256AndVerified) {
  monitoring.set_series({{1}});
  expect_report(run_trafficcop(args(100)), 1, 100, "none");
  ASSERT_EQ(oauth.grants(), 1);  // the look-alike issues only on a verified signature
  const auto claims = oauth.last_claims();
  EXPECT_EQ(claims.value("iss", ""), oauth.client_email());
  EXPECT_EQ(claims.value("aud", ""), oauth.token_url());
  EXPECT_EQ(claims.value("scope", ""), "https://www.googleapis.com/auth/cloud-platform");
  EXPECT_EQ(claims.value("exp", 0LL) - claims.value("iat", 0LL), 3600);
}

TEST_F(TrafficcopTest, TokenEndpointFlagOverridesTheKeyFile) {
  fixtures::write_file(key_file, oauth.key_file("https://oauth2.googleapis.com/token").dump());
  monitoring.set_series({{1}});
  expect_report(run_trafficcop(args(100, {"--token-endpoint=" + oauth.token_url()})), 1, 100,
                "none");
  EXPECT_EQ(oauth.grants(), 1);
}

TEST_F(TrafficcopTest, AKeyTheServiceAccountDoesNotHaveIsRefused) {
  fixtures::write_file(key_file, oauth.foreign_key_file().dump());
  const auto run = run_trafficcop(args(100));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(oauth.grants(), 0);
  EXPECT_NE(run.err.find("invalid_grant"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("PRIVATE KEY"), std::string::npos);  // never logged
}

TEST_F(TrafficcopTest, MetadataServerTokenViaGceMetadataHost) {
  fixtures::MetadataServer metadata;
  const std::string token = metadata.access_token();
  auto accept = [token](const std::string& given) { return given == token; };
  monitoring.require_token(accept);
  compute.require_token(accept);
  monitoring.set_series({{9000}});
  std::vector<std::string> line = args(100);
  std::erase_if(line, [](const std::string& arg) { return arg.starts_with("--credentials"); });
  const auto run = run_trafficcop(line, {{"GCE_METADATA_HOST", metadata.address()}});
  expect_report(run, 9000, 100, "stopped");
  EXPECT_EQ(oauth.grants(), 0);
}

TEST_F(TrafficcopTest, UnreachableEndpointsExitOne) {
  monitoring.set_series({{1}});
  const std::string closed = "http://127.0.0.1:" + std::to_string(fixtures::free_tcp_port());
  for (const auto& flag : {"--monitoring-endpoint=", "--compute-endpoint=", "--token-endpoint="}) {
    std::vector<std::string> line = args(100);
    std::erase_if(line, [&](const std::string& arg) { return arg.starts_with(flag); });
    line.push_back(flag + closed);
    const auto run = run_trafficcop(line);
    EXPECT_EQ(run.exit_code, 1) << flag << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
    EXPECT_NE(run.err.find("unable to"), std::string::npos) << run.err;
  }
  EXPECT_EQ(compute.count_requests("/stop"), 0U);
}

TEST_F(TrafficcopTest, AFailedStopOperationExitsOneWithItsError) {
  monitoring.set_series({{7000}});
  compute.fail_operation("RESOURCE_OPERATION_RATE_EXCEEDED", "Operation rate exceeded.");
  const auto run = run_trafficcop(args(6000));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(run.out.empty()) << run.out;
  EXPECT_NE(run.err.find("RESOURCE_OPERATION_RATE_EXCEEDED"), std::string::npos) << run.err;
}

TEST_F(TrafficcopTest, AnUnknownInstanceExitsOne) {
  std::vector<std::string> line = args(100);
  std::erase_if(line, [](const std::string& arg) { return arg.starts_with("--instance="); });
  line.push_back("--instance=no-such-vm");
  const auto run = run_trafficcop(line);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("was not found"), std::string::npos) << run.err;
}

TEST_F(TrafficcopTest, BadFlagsExitOneHundredAndCallNothing) {
  const std::string key = "--credentials=" + key_file.string();
  const std::vector<std::vector<std::string>> lines = {
      {},
      {"--zone=us-central1-a", "--instance=appliance", "--cap-bytes=1", key},  // no --project
      {"--project=p", "--zone=z", "--instance=appliance", key},                // no --cap-bytes
      {"--project=p", "--zone=z", "--instance=a", "--cap-bytes=abc", key},
      {"--project=p", "--zone=z", "--instance=a", "--cap-bytes=-1", key},
      {"--project=p", "--zone=z", "--instance=a", "--cap-bytes=0", key},
      {"--project=p", "--zone=z", "--instance=a", "--cap-bytes=99999999999999999999", key},
      {"--project=p", "--zone=z", "--instance=a", "--cap-bytes=1", "--colour=red"},
      {"--project=p", "--zone=z", "--instance=a", "--cap-bytes=1", "positional"},
      {"--project=p", "--zone=z", "--instance=Bad_Name", "--cap-bytes=1"},
      {"--project=p/../x", "--zone=z", "--instance=a", "--cap-bytes=1"},
      {"--project=p", "--zone=z", "--instance=a", "--cap-bytes=1", "--dry-run=no"},
      {"--project=p", "--zone=z", "--instance=a", "--cap-bytes=1",
       "--monitoring-endpoint=http://monitoring.example.com"},  // a token in clear text
      {"--project=p", "--zone=z", "--instance=a", "--cap-bytes=1", "--project=q"},
  };
  for (const auto& line : lines) {
    const auto run = run_trafficcop(line);
    EXPECT_EQ(run.exit_code, 100) << ::testing::PrintToString(line) << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
    EXPECT_NE(run.err.find("usage: trafficcop"), std::string::npos) << run.err;
  }
  EXPECT_EQ(oauth.requests().size() + monitoring.requests().size() + compute.requests().size(), 0U);
}

TEST_F(TrafficcopTest, LogsAreJsonLinesOnStderr) {
  monitoring.set_series({{1}});
  const auto run = run_trafficcop(args(100));
  ASSERT_EQ(run.exit_code, 0);
  std::size_t at = 0;
  int lines = 0;
  for (std::size_t end; (end = run.err.find('\n', at)) != std::string::npos; at = end + 1) {
    const auto line = json::parse(run.err.substr(at, end - at), nullptr, false);
    ASSERT_TRUE(line.is_object()) << run.err.substr(at, end - at);
    EXPECT_TRUE(line.contains("severity"));
    EXPECT_EQ(line.value("component", ""), "trafficcop");
    ++lines;
  }
  EXPECT_GT(lines, 0);
  EXPECT_EQ(run.err.find("ya29."), std::string::npos);  // tokens are never logged
}

}  // namespace
}  // namespace trafficcop_test
