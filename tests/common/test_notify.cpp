// sd_notify datagrams reach a socket the test listens on, by path and by
// abstract name.
#include "common/notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "fixtures/process.hpp"

namespace {

// A datagram socket bound to `name` ('@' prefix: abstract namespace).
class Receiver {
 public:
  explicit Receiver(const std::string& name) : fd_(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name.data(), name.size());
    socklen_t length = offsetof(sockaddr_un, sun_path) + name.size();
    if (name[0] == '@') address.sun_path[0] = '\0';
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), length), 0) << std::strerror(errno);
    timeval timeout{5, 0};  // a deadline for a datagram that never comes
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~Receiver() { close(fd_); }
  std::string receive() {
    char buffer[4096];
    const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    return n < 0 ? std::string("<nothing>") : std::string(buffer, static_cast<std::size_t>(n));
  }

 private:
  int fd_;
};

class NotifyTest : public ::testing::Test {
 protected:
  void TearDown() override { unsetenv("NOTIFY_SOCKET"); }
  fixtures::TempDir dir;
};

TEST_F(NotifyTest, SendsReadyToAPathSocket) {
  const std::string path = (dir.path() / "notify").string();
  Receiver receiver(path);
  setenv("NOTIFY_SOCKET", path.c_str(), 1);
  ASSERT_TRUE(common::notify::ready().has_value());
  EXPECT_EQ(receiver.receive(), "READY=1");
  ASSERT_TRUE(common::notify::status("serving").has_value());
  EXPECT_EQ(receiver.receive(), "STATUS=serving");
}

TEST_F(NotifyTest, SendsToAnAbstractSocket) {
  const std::string name = "@appliance-test-notify-" + std::to_string(getpid());
  Receiver receiver(name);
  setenv("NOTIFY_SOCKET", name.c_str(), 1);
  ASSERT_TRUE(common::notify::stopping().has_value());
  EXPECT_EQ(receiver.receive(), "STOPPING=1");
}

TEST_F(NotifyTest, NoSocketIsANoOpAndAMissingOneAnError) {
  unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(common::notify::ready().has_value());
  setenv("NOTIFY_SOCKET", (dir.path() / "absent").c_str(), 1);
  auto status = common::notify::ready();
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().kind, common::Error::Kind::environment);
  setenv("NOTIFY_SOCKET", "relative/path", 1);
  EXPECT_FALSE(common::notify::ready().has_value());
  setenv("NOTIFY_SOCKET", ("/" + std::string(200, 'x')).c_str(), 1);
  EXPECT_FALSE(common::notify::ready().has_value());
}

}  // namespace
