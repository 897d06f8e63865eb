// Flags and signal handling shared by every daemon's main().
#include "common/daemon.hpp"

#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

namespace {

common::Result<std::map<std::string, std::string>> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "daemon");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return common::daemon::parse_flags(static_cast<int>(args.size()), argv.data());
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
