// Structured JSON logging: field order, redaction, whole lines under threads.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/json.hpp"
#include "common/log.hpp"
#include "fixtures/process.hpp"

namespace {

namespace log = common::log;

TEST(Log, LineHasCloudLoggingFieldsFirstThenTheEvent) {
  log::set_component("testd");
  std::string line = log::format_line(log::Severity::warning, log::Event{"disk.full"},
                                      "disk \"full\"", {{"free", 3}});
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.rfind("{\"severity\":\"WARNING\",\"component\":\"testd\",\"event\":\"disk.full\","
                       "\"message\":",
                       0),
            0U)
      << line;
  auto parsed = common::parse_json(line);
  ASSERT_TRUE(parsed) << line;
  EXPECT_EQ((*parsed)["message"], "disk \"full\"");
  EXPECT_EQ((*parsed)["free"], 3);
}

TEST(Log, SeverityNamesAreCloudLoggings) {
  using S = log::Severity;
  std::vector<std::pair<S, std::string>> cases = {{S::debug, "DEBUG"},   {S::info, "INFO"},
                                                  {S::notice, "NOTICE"}, {S::warning, "WARNING"},
                                                  {S::error, "ERROR"},   {S::critical, "CRITICAL"}};
  for (const auto& [severity, name] : cases) {
    auto parsed = common::parse_json(log::format_line(severity, log::Event{"e"}, "m", {}));
    ASSERT_TRUE(parsed);
    EXPECT_EQ((*parsed)["severity"], name);
  }
}

TEST(Log, SecretIsNeverPrinted) {
  std::string token = "sk_live_very_secret_value";
  log::Secret secret{token};
  std::string line = log::format_line(log::Severity::info, log::Event{"token.obtained"}, "got token",
                                      {{"token", log::Secret{token}}, {"again", secret}});
  EXPECT_EQ(line.find("sk_live"), std::string::npos) << line;
  auto parsed = common::parse_json(line);
  ASSERT_TRUE(parsed);
  EXPECT_EQ((*parsed)["token"], "[redacted]");
  EXPECT_EQ((*parsed)["again"], "[redacted]");
}

TEST(Log, FieldsCannotShadowFixedOnesAndBadUtf8IsSafe) {
  std::string line = log::format_line(log::Severity::info, log::Event{"x.y"}, "a\xff",
                                      {{"severity", "fake"}, {"event", "forged"}});
  auto parsed = common::parse_json(line);
  ASSERT_TRUE(parsed) << line;
  EXPECT_EQ((*parsed)["severity"], "INFO");
  EXPECT_EQ((*parsed)["field_severity"], "fake");
  EXPECT_EQ((*parsed)["event"], "x.y");
  EXPECT_EQ((*parsed)["field_event"], "forged");
}

// Redirects stderr to a file for the lifetime of the object.
class CapturedStderr {
 public:
  explicit CapturedStderr(const std::filesystem::path& file) : path_(file) {
    saved_ = ::dup(STDERR_FILENO);
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  ~CapturedStderr() { restore(); }
  void restore() {
    if (saved_ < 0) return;
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
  }
  std::vector<std::string> lines() {
    std::ifstream in(path_);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

 private:
  std::filesystem::path path_;
  int saved_ = -1;
};

TEST(Log, MinimumSeverityFiltersAndThreadsNeverInterleave) {
  fixtures::TempDir dir;
  CapturedStderr captured(dir.path() / "stderr");
  log::set_min_severity(log::Severity::notice);
  log::info(log::Event{"test.filtered"}, "filtered out");
  std::vector<std::thread> threads;
  constexpr int kThreads = 4;
  constexpr int kLines = 300;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      std::string padding(200 + t * 50, static_cast<char>('a' + t));
      for (int i = 0; i < kLines; ++i) log::notice(log::Event{"test.line"}, padding, {{"thread", t}, {"i", i}});
    });
  }
  for (auto& thread : threads) thread.join();
  log::set_min_severity(log::Severity::info);
  captured.restore();

  auto lines = captured.lines();
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLines));
  for (const auto& line : lines) {
    auto parsed = common::parse_json(line);
    ASSERT_TRUE(parsed) << line;
    EXPECT_EQ((*parsed)["severity"], "NOTICE");
  }
}

}  // namespace
