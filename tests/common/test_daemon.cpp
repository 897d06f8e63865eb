// Flags and signal handling shared by every daemon's main().
#include "common/daemon.hpp"

#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "common/tls_identity.hpp"

namespace {

common::Result<std::map<std::string, std::string>> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "daemon");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return common::daemon::Flags::parse_map(static_cast<int>(args.size()), argv.data());
}

TEST(ParseFlags, ReadsValuesAndBareFlags) {
  auto flags = parse({"--port=8443", "--config=/etc/a=b.json", "--verbose", "--empty="});
  ASSERT_TRUE(flags.has_value()) << flags.error().message;
  EXPECT_EQ(
      *flags,
      (std::map<std::string, std::string>{
          {"port", "8443"}, {"config", "/etc/a=b.json"}, {"verbose", "true"}, {"empty", ""}}));
  EXPECT_TRUE(parse({}).value().empty());
}

TEST(ParseFlags, RejectsAnythingElseWithAUsageError) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"positional"}, {"-p"}, {"--"}, {"--=x"}, {"--a=1", "--a=2"}}) {
    auto flags = parse(args);
    ASSERT_FALSE(flags.has_value()) << args.front();
    EXPECT_EQ(flags.error().kind, common::Error::Kind::invalid_input);
    EXPECT_TRUE(flags.error().message.starts_with("unable to parse the command line"));
  }
}

common::daemon::Flags flags_of(std::map<std::string, std::string> values) {
  return common::daemon::Flags(std::move(values));
}

TEST(Flags, ReadsTypedValuesWithFallbacks) {
  auto flags = flags_of({{"port", "8443"}, {"name", "a"}, {"verbose", "true"}, {"wait-ms", "250"}});
  EXPECT_EQ(flags.integer("port", 1, 0, 65535), 8443);
  EXPECT_EQ(flags.integer("absent", 7, 0, 10), 7);
  EXPECT_EQ(flags.text("name"), "a");
  EXPECT_EQ(flags.text("other", "fallback"), "fallback");
  EXPECT_TRUE(flags.boolean("verbose"));
  EXPECT_EQ(flags.milliseconds("wait-ms", std::chrono::milliseconds(1), std::chrono::milliseconds(1),
                               std::chrono::milliseconds(1000)),
            std::chrono::milliseconds(250));
  EXPECT_TRUE(flags.finish().has_value());
}

TEST(Flags, FinishReportsTheFirstBadValueThenAnyUnreadFlag) {
  for (const auto& [value, why] : std::vector<std::pair<std::string, std::string>>{
           {"65536", "above max"}, {"-1", "below min"}, {"80x", "trailing text"}, {"", "empty"}}) {
    auto flags = flags_of({{"port", value}});
    EXPECT_EQ(flags.integer("port", 80, 0, 65535), 80) << why;
    auto done = flags.finish();
    ASSERT_FALSE(done.has_value()) << why;
    EXPECT_EQ(done.error().kind, common::Error::Kind::invalid_input);
    EXPECT_NE(done.error().message.find("--port=" + value), std::string::npos) << done.error().message;
  }
  auto unknown = flags_of({{"port", "1"}, {"prot", "2"}});
  unknown.integer("port", 80, 0, 65535);
  auto done = unknown.finish();
  ASSERT_FALSE(done.has_value());
  EXPECT_NE(done.error().message.find("unknown flag --prot"), std::string::npos);
  auto not_bool = flags_of({{"dry-run", "yes"}});
  EXPECT_FALSE(not_bool.boolean("dry-run"));
  EXPECT_FALSE(not_bool.finish().has_value());
}

TEST(ExitCode, PermanentForWhatARestartCannotFixTemporaryOtherwise) {
  using K = common::Error::Kind;
  EXPECT_EQ(common::daemon::exit_code({K::invalid_input, ""}), 100);
  EXPECT_EQ(common::daemon::exit_code({K::not_found, ""}), 100);
  EXPECT_EQ(common::daemon::exit_code({K::permission, ""}), 100);
  EXPECT_EQ(common::daemon::exit_code({K::environment, ""}), 111);
  EXPECT_EQ(common::daemon::exit_code({K::internal, ""}), 111);
}

TEST(BootstrapIdentity, ServesASelfSignedCertificateForTheHostName) {
  common::CertificateStore store;
  ASSERT_FALSE(store.has_identity());
  auto installed = common::daemon::install_bootstrap_identity(store, {"login.example.com:8443"},
                                                              std::chrono::hours(24));
  ASSERT_TRUE(installed.has_value()) << installed.error().message;
  ASSERT_TRUE(store.has_identity());
  EXPECT_EQ(store.spki_sha256_hex().size(), 64U);
}

TEST(AnnounceReady, FailsAndSaysSoWhenTheSupervisorIsUnreachable) {
  ::setenv("NOTIFY_SOCKET", "/nonexistent/notify.sock", 1);
  auto sent = common::daemon::announce_ready();
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(sent.has_value());
}

TEST(StopOnSignals, CallsOnStopOnceOnSigterm) {
  boost::asio::io_context io;
  int stops = 0;
  common::daemon::stop_on_signals(io, [&] {
    ++stops;
    io.stop();
  });
  // A deadline so that a missed signal fails the test instead of hanging it.
  boost::asio::steady_timer deadline(io, std::chrono::seconds(10));
  deadline.async_wait([&](const boost::system::error_code&) { io.stop(); });
  raise(SIGTERM);
  io.run();
  EXPECT_EQ(stops, 1);
  struct sigaction pipe_action {};
  sigaction(SIGPIPE, nullptr, &pipe_action);
  EXPECT_EQ(pipe_action.sa_handler, SIG_IGN);
}

}  // namespace
