// SO_PEERCRED in earnest: a child process that drops to another uid is
// refused by the socket, or by one method, as the server's lists say.
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include <gtest/gtest.h>

#include "common/ipc_client.hpp"
#include "common/ipc_server.hpp"
#include "fixtures/process.hpp"
#include "ipc_test_support.hpp"

namespace {

using common::json;
using common::Result;
namespace ipc = common::ipc;

constexpr uid_t kNobody = 65534;

// Runs `body` in a child that has become uid/gid 65534; returns its exit
// code (body's return value), or -1 if it could not drop privileges.
int run_as_nobody(const std::function<int()>& body) {
  pid_t child = ::fork();
  if (child == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
      ::_exit(100);
    }
    ::_exit(body());
  }
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) != child) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class IpcPeerUidTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to run a peer as another uid";
    // mkdtemp made it 0700: the unprivileged child must reach the socket.
    ::chmod(dir.path().c_str(), 0755);
  }
  std::unique_ptr<ipc::Server> listen(std::vector<uid_t> allowed) {
    auto server = ipc::Server::listen(io.io, path, {.allowed_uids = std::move(allowed)});
    EXPECT_TRUE(server) << server.error().message;
    if (!server) return nullptr;
    auto whoami = [](const json&, const ipc::Peer& peer) -> Result<json> {
      return json{{"uid", peer.uid}};
    };
    (*server)->on("whoami", whoami);
    (*server)->on("admin", whoami, {0});
    return std::move(*server);
  }

  fixtures::TempDir dir;
  std::string path = (dir.path() / "peer.sock").string();
  ipc_test::IoThread io;
};

TEST_F(IpcPeerUidTest, SocketRefusesAUidItDoesNotAdmit) {
  auto server = listen({0});
  int code = run_as_nobody([&] {
    auto client = ipc::Client::connect(path);
    if (!client) return 2;  // connect() itself should succeed
    auto reply = client->call("whoami");
    if (reply) return 3;
    if (reply.error().kind != common::Error::Kind::permission) return 4;
    return reply.error().message.find("65534") != std::string::npos ? 0 : 5;
  });
  EXPECT_EQ(code, 0);
  // Root, who is admitted, is served on the same socket.
  auto client = ipc::Client::connect(path);
  ASSERT_TRUE(client);
  auto reply = client->call("whoami");
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ((*reply)["uid"], 0);
}

TEST_F(IpcPeerUidTest, MethodNarrowsTheSocketsList) {
  auto server = listen({0, kNobody});
  int code = run_as_nobody([&] {
    auto client = ipc::Client::connect(path);
    if (!client) return 2;
    auto me = client->call("whoami");
    if (!me || (*me)["uid"] != kNobody) return 3;
    auto admin = client->call("admin");
    if (admin || admin.error().kind != common::Error::Kind::permission) return 4;
    // Refused one method, the connection still serves the others.
    return client->call("whoami") ? 0 : 5;
  });
  EXPECT_EQ(code, 0);
  auto client = ipc::Client::connect(path);
  ASSERT_TRUE(client);
  EXPECT_TRUE(client->call("admin"));
}

}  // namespace
