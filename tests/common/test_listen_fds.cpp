// LISTEN_FDS hand-over as init does it: descriptors from fd 3, names in
// LISTEN_FDNAMES, LISTEN_PID our own pid, and the variables cleared after.
#include "common/listen_fds.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>

namespace {

using common::take_listen_fds;

// Puts two listening sockets at fds 3 and 4 for the duration of a test.
class ListenFdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int target : {3, 4}) {
      saved_[target - 3] = fcntl(target, F_DUPFD_CLOEXEC, 100);  // -1 if it was closed
      auto fd = common::bind_tcp_listener("127.0.0.1", 0);
      ASSERT_TRUE(fd.has_value()) << fd.error().message;
      if (*fd != target) {
        ASSERT_EQ(dup2(*fd, target), target);
        close(*fd);
      }
    }
  }
  void TearDown() override {
    for (int target : {3, 4}) {
      close(target);
      if (saved_[target - 3] >= 0) {
        dup2(saved_[target - 3], target);
        close(saved_[target - 3]);
      }
    }
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
  }
  static void set(const std::string& pid, const std::string& count, const char* names) {
    setenv("LISTEN_PID", pid.c_str(), 1);
    setenv("LISTEN_FDS", count.c_str(), 1);
    if (names != nullptr) setenv("LISTEN_FDNAMES", names, 1);
  }
  int saved_[2] = {-1, -1};
};

TEST_F(ListenFdsTest, NamesDescriptorsAndClearsTheEnvironment) {
  set(std::to_string(getpid()), "2", "https:attest");
  fcntl(3, F_SETFD, 0);
  const auto fds = take_listen_fds();
  EXPECT_EQ(fds, (std::map<std::string, int>{{"https", 3}, {"attest", 4}}));
  EXPECT_EQ(std::getenv("LISTEN_PID"), nullptr);
  EXPECT_EQ(std::getenv("LISTEN_FDS"), nullptr);
  EXPECT_EQ(std::getenv("LISTEN_FDNAMES"), nullptr);
  EXPECT_TRUE(fcntl(3, F_GETFD) & FD_CLOEXEC);  // not leaked into our children
  EXPECT_TRUE(take_listen_fds().empty());       // taken once
}

TEST_F(ListenFdsTest, UnnamedDescriptorsGetDistinctNames) {
  set(std::to_string(getpid()), "2", nullptr);
  const auto fds = take_listen_fds();
  EXPECT_EQ(fds, (std::map<std::string, int>{{"fd3", 3}, {"fd4", 4}}));
}

TEST_F(ListenFdsTest, IgnoresAnotherProcesssDescriptors) {
  set(std::to_string(getpid() + 1), "2", "https:attest");
  EXPECT_TRUE(take_listen_fds().empty());
  EXPECT_EQ(std::getenv("LISTEN_FDS"), nullptr);  // cleared all the same
}

TEST_F(ListenFdsTest, IgnoresGarbage) {
  for (const char* count : {"", "x", "-1", "2x", "100000"}) {
    set(std::to_string(getpid()), count, "a:b");
    EXPECT_TRUE(take_listen_fds().empty()) << count;
  }
  set("12abc", "1", "a");
  EXPECT_TRUE(take_listen_fds().empty());
}

TEST_F(ListenFdsTest, PrefersTheInheritedSocketOverBinding) {
  set(std::to_string(getpid()), "2", "https:attest");
  const auto fds = take_listen_fds();
  EXPECT_EQ(common::listen_fd_or_bind(fds, "attest", "127.0.0.1", 0).value(), 4);
  auto fresh = common::listen_fd_or_bind(fds, "http", "127.0.0.1", 0);
  ASSERT_TRUE(fresh.has_value());
  EXPECT_GT(*fresh, 4);
  EXPECT_GT(common::local_port(*fresh).value(), 0);
  close(*fresh);
}

TEST(BindTcpListener, PicksAPortAndReportsErrors) {
  auto fd = common::bind_tcp_listener("127.0.0.1", 0);
  ASSERT_TRUE(fd.has_value()) << fd.error().message;
  const int port = common::local_port(*fd).value();
  EXPECT_GT(port, 0);
  EXPECT_TRUE(fcntl(*fd, F_GETFD) & FD_CLOEXEC);
  auto taken = common::bind_tcp_listener("127.0.0.1", port);
  ASSERT_FALSE(taken.has_value());  // SO_REUSEADDR does not allow two listeners
  EXPECT_EQ(taken.error().kind, common::Error::Kind::environment);
  close(*fd);
  EXPECT_FALSE(common::bind_tcp_listener("not an address", 0).has_value());
  EXPECT_FALSE(common::bind_tcp_listener("127.0.0.1", 70000).has_value());
  EXPECT_FALSE(common::local_port(-1).has_value());
}

}  // namespace
