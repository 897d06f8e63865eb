// trafficcop's pieces on their own: the command line, the month, the
// decision, a Monitoring page's sum, the JWT assertion.
#include <gtest/gtest.h>

#include <chrono>

#include "common/crypto.hpp"
#include "common/json.hpp"
#include "oauth_lookalike.hpp"
#include "trafficcop/budget.hpp"
#include "trafficcop/compute.hpp"
#include "trafficcop/monitoring.hpp"
#include "trafficcop/month.hpp"
#include "trafficcop/options.hpp"
#include "trafficcop/service_account_key.hpp"

namespace {

using namespace std::chrono;
using common::json;
using trafficcop::Action;

common::Result<trafficcop::Options> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "trafficcop");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  return trafficcop::parse_options(static_cast<int>(argv.size()), argv.data());
}

sys_seconds at(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}

TEST(TrafficcopOptions, TheWholeContractParses) {
  auto options = parse(
      {"--project=example.com:my-proj", "--zone=us-west1-b", "--instance=appliance-1",
       "--cap-bytes=900000000", "--dry-run", "--credentials=/keys/sa.json",
       "--monitoring-endpoint=https://monitoring.example.net/",
       "--compute-endpoint=http://127.0.0.1:8080", "--token-endpoint=http://localhost:9/token"});
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->project, "example.com:my-proj");
  EXPECT_EQ(options->zone, "us-west1-b");
  EXPECT_EQ(options->instance, "appliance-1");
  EXPECT_EQ(options->cap_bytes, 900000000U);
  EXPECT_TRUE(options->dry_run);
  EXPECT_EQ(options->credentials, "/keys/sa.json");
  EXPECT_EQ(options->monitoring_endpoint, "https://monitoring.example.net");
  EXPECT_EQ(options->compute_endpoint, "http://127.0.0.1:8080");
  EXPECT_EQ(options->token_endpoint, "http://localhost:9/token");
}

TEST(TrafficcopOptions, EndpointsDefaultToGoogles) {
  auto options = parse({"--project=p", "--zone=z", "--instance=a", "--cap-bytes=1"});
  ASSERT_TRUE(options);
  EXPECT_EQ(options->monitoring_endpoint, "https://monitoring.googleapis.com");
  EXPECT_EQ(options->compute_endpoint, "https://compute.googleapis.com");
  EXPECT_EQ(options->token_endpoint, "");  // the key file's token_uri, else Google's
  EXPECT_FALSE(options->dry_run);
  EXPECT_TRUE(options->credentials.empty());
}

TEST(TrafficcopOptions, TokensGoOnlyToHttpsOrLoopback) {
  EXPECT_TRUE(trafficcop::valid_endpoint("https://oauth2.googleapis.com/token"));
  EXPECT_TRUE(trafficcop::valid_endpoint("http://127.0.0.1:1234"));
  EXPECT_TRUE(trafficcop::valid_endpoint("http://[::1]:80/x"));
  EXPECT_FALSE(trafficcop::valid_endpoint("http://127.0.0.1.evil.example"));
  EXPECT_FALSE(trafficcop::valid_endpoint("http://localhost.example.com/"));
  EXPECT_FALSE(trafficcop::valid_endpoint("http://compute.googleapis.com"));
  EXPECT_FALSE(trafficcop::valid_endpoint("ftp://127.0.0.1"));
  EXPECT_FALSE(trafficcop::valid_endpoint("https://"));
}

TEST(TrafficcopMonth, StartsAtUtcMidnightOnTheFirst) {
  EXPECT_EQ(trafficcop::month_start(at(2025, 1, 31, 23, 59, 59)), at(2025, 1, 1));
  EXPECT_EQ(trafficcop::month_start(at(2025, 3, 1)), at(2025, 3, 1));
  EXPECT_EQ(trafficcop::month_start(at(2024, 2, 29, 12)), at(2024, 2, 1));
  EXPECT_EQ(trafficcop::month_start(at(2024, 12, 31, 23, 59, 59)), at(2024, 12, 1));
}

TEST(TrafficcopMonth, FormatsRfc3339InUtc) {
  EXPECT_EQ(trafficcop::rfc3339(at(2025, 6, 1)), "2025-06-01T00:00:00Z");
  EXPECT_EQ(trafficcop::rfc3339(at(1999, 12, 31, 23, 59, 58)), "1999-12-31T23:59:58Z");
}

TEST(TrafficcopBudget, DecidesByCapStatusAndDryRun) {
  EXPECT_EQ(trafficcop::decide(10, 10, false, false), Action::none);
  EXPECT_EQ(trafficcop::decide(0, 10, true, true), Action::none);
  EXPECT_EQ(trafficcop::decide(11, 10, false, false), Action::stop);
  EXPECT_EQ(trafficcop::decide(11, 10, false, true), Action::would_stop);
  EXPECT_EQ(trafficcop::decide(11, 10, true, false), Action::already_stopped);
  EXPECT_EQ(trafficcop::decide(11, 10, true, true), Action::already_stopped);
  EXPECT_EQ(trafficcop::action_name(Action::stop), "stopped");
  EXPECT_EQ(trafficcop::action_name(Action::would_stop), "would-stop");
  EXPECT_EQ(trafficcop::action_name(Action::already_stopped), "already-stopped");
  EXPECT_TRUE(trafficcop::is_stopped("TERMINATED"));
  EXPECT_TRUE(trafficcop::is_stopped("STOPPING"));
  EXPECT_FALSE(trafficcop::is_stopped("RUNNING"));
  EXPECT_FALSE(trafficcop::is_stopped("STAGING"));
}

TEST(TrafficcopBudget, ReportLineHasTheContractsFields) {
  const auto line = trafficcop::report_line({.project = "p",
                                             .zone = "z",
                                             .instance = "i",
                                             .month_start = "2025-06-01T00:00:00Z",
                                             .sent_bytes = 12,
                                             .cap_bytes = 10,
                                             .action = Action::would_stop});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto report = json::parse(line);
  EXPECT_EQ(report, (json{{"project", "p"},
                          {"zone", "z"},
                          {"instance", "i"},
                          {"month_start", "2025-06-01T00:00:00Z"},
                          {"sent_bytes", 12},
                          {"cap_bytes", 10},
                          {"action", "would-stop"}}));
}

TEST(TrafficcopMonitoring, SumsEveryPointOfEverySeries) {
  const auto page = json::parse(R"({"timeSeries":[
      {"points":[{"value":{"int64Value":"5"}},{"value":{"int64Value":"7"}}]},
      {"points":[{"value":{"int64Value":"18446744073709551000"}}]},
      {"metric":{}}]})");
  EXPECT_EQ(trafficcop::sum_page(page).value(), 18446744073709551012ULL);
  EXPECT_EQ(trafficcop::sum_page(json::object()).value(), 0U);
  EXPECT_EQ(trafficcop::sum_page(json::parse(R"({"timeSeries":[{"points":[
      {"value":{"doubleValue":2.5}}]}]})"))
                .value(),
            3U);  // rounded up
}

TEST(TrafficcopMonitoring, RefusesWhatItCannotCount) {
  for (const auto* text : {
           R"({"timeSeries":[{"points":[{"value":{"int64Value":"-5"}}]}]})",
           R"({"timeSeries":[{"points":[{"value":{"int64Value":"12abc"}}]}]})",
           R"({"timeSeries":[{"points":[{"value":{"boolValue":true}}]}]})",
           R"({"timeSeries":[{"points":[{"value":{"int64Value":"18446744073709551615"}},
                                        {"value":{"int64Value":"1"}}]}]})",
           R"({"timeSeries":{}})",
           R"({"executionErrors":[{"code":13,"message":"partial"}]})",
       }) {
    EXPECT_FALSE(trafficcop::sum_page(json::parse(text))) << text;
  }
}

TEST(TrafficcopMonitoring, QueryAlignsTheWholeIntervalIntoOneSum) {
  const trafficcop::SentBytesQuery query{.endpoint = "https://monitoring.googleapis.com",
                                         .project = "p",
                                         .zone = "us-east1-b",
                                         .instance_id = "123",
                                         .start = at(2025, 6, 1),
                                         .end = at(2025, 6, 2, 0, 0, 30)};
  const auto url = trafficcop::time_series_url(query, "");
  EXPECT_TRUE(url.starts_with("https://monitoring.googleapis.com/v3/projects/p/timeSeries?"));
  EXPECT_NE(url.find("interval.startTime=2025-06-01T00%3A00%3A00Z"), std::string::npos) << url;
  EXPECT_NE(url.find("aggregation.alignmentPeriod=86430s"), std::string::npos) << url;
  EXPECT_NE(url.find("aggregation.perSeriesAligner=ALIGN_SUM"), std::string::npos);
  EXPECT_NE(url.find("aggregation.crossSeriesReducer=REDUCE_SUM"), std::string::npos);
  EXPECT_EQ(url.find("pageToken"), std::string::npos);
  EXPECT_NE(trafficcop::time_series_url(query, "abc").find("pageToken=abc"), std::string::npos);
  // The first minute of a month still asks for Monitoring's minimum period.
  const auto early = trafficcop::SentBytesQuery{
      query.endpoint, "p", "z", "1", at(2025, 6, 1), at(2025, 6, 1, 0, 0, 5)};
  EXPECT_NE(trafficcop::time_series_url(early, "").find("alignmentPeriod=60s"), std::string::npos);
}

TEST(TrafficcopCompute, OperationErrorsAreReported) {
  EXPECT_TRUE(trafficcop::operation_outcome(json{{"status", "DONE"}}));
  const auto failed = trafficcop::operation_outcome(json::parse(
      R"({"status":"DONE","error":{"errors":[{"code":"QUOTA_EXCEEDED","message":"no"}]}})"));
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("QUOTA_EXCEEDED: no"), std::string::npos);
}

TEST(TrafficcopKeyFile, AssertionIsAnRs256JwtForTheAudience) {
  const auto file = trafficcop_test::OAuthLookalike::key_file_for(
      trafficcop_test::rsa_private_key_pem(), "https://oauth2.googleapis.com/token");
  auto key = trafficcop::parse_service_account_key(file.dump());
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->token_uri, "https://oauth2.googleapis.com/token");
  const auto now = system_clock::time_point(seconds(1750000000));
  auto jwt = trafficcop::jwt_assertion(*key, "https://oauth2.googleapis.com/token", now);
  ASSERT_TRUE(jwt);
  const auto first = jwt->find('.');
  const auto second = jwt->find('.', first + 1);
  const auto header = json::parse(common::crypto::base64url_decode(jwt->substr(0, first)).value());
  const auto claims = json::parse(
      common::crypto::base64url_decode(jwt->substr(first + 1, second - first - 1)).value());
  EXPECT_EQ(header, (json{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", file["private_key_id"]}}));
  EXPECT_EQ(claims, (json{{"iss", file["client_email"]},
                          {"scope", "https://www.googleapis.com/auth/cloud-platform"},
                          {"aud", "https://oauth2.googleapis.com/token"},
                          {"iat", 1750000000},
                          {"exp", 1750003600}}));
  auto public_pem = common::crypto::public_key_pem(key->private_key.get());
  auto public_key = common::crypto::load_public_key_pem(public_pem.value());
  const auto signature = common::crypto::base64url_decode(jwt->substr(second + 1)).value();
  EXPECT_TRUE(
      common::crypto::rs256_verify(public_key->get(), jwt->substr(0, second), signature).value());
}

TEST(TrafficcopKeyFile, MalformedKeyFilesAreRefusedWithoutQuotingThem) {
  auto file =
      trafficcop_test::OAuthLookalike::key_file_for(trafficcop_test::rsa_private_key_pem(), "");
  for (const auto& [field, value] : std::vector<std::pair<std::string, json>>{
           {"type", "authorized_user"},
           {"client_email", nullptr},
           {"private_key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
           {"token_uri", 42}}) {
    json bad = file;
    if (value.is_null()) {
      bad.erase(field);
    } else {
      bad[field] = value;
    }
    auto key = trafficcop::parse_service_account_key(bad.dump());
    ASSERT_FALSE(key) << field;
    EXPECT_EQ(key.error().message.find("PRIVATE KEY"), std::string::npos);
  }
  EXPECT_FALSE(trafficcop::parse_service_account_key("not json"));
}

}  // namespace
