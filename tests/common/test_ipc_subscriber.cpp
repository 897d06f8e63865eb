// The reconnecting Subscriber: fetch then events, in order, across a server
// restart, and silence after stop().
#include <unistd.h>

#include <mutex>

#include <gtest/gtest.h>

#include "common/ipc_client.hpp"
#include "common/ipc_server.hpp"
#include "fixtures/process.hpp"
#include "ipc_test_support.hpp"

namespace {

using common::json;
using common::Result;
using namespace std::chrono_literals;
namespace ipc = common::ipc;

// A server that owns one value, as acmed owns its certificate.
class ValueServer {
 public:
  ValueServer(boost::asio::io_context& io, const std::string& path, std::string value)
      : value_(std::move(value)) {
    auto server = ipc::Server::listen(io, path, {.allowed_uids = {::getuid()}});
    EXPECT_TRUE(server) << server.error().message;
    server_ = std::move(server.value());
    server_->on("value.get", [this](const json&, const ipc::Peer&) -> Result<json> {
      std::lock_guard lock(mutex_);
      return json{{"value", value_}};
    });
  }
  void set(std::string value) {
    {
      std::lock_guard lock(mutex_);
      value_ = value;
    }
    server_->publish("value.updated", json{{"value", value}});
  }

 private:
  std::mutex mutex_;
  std::string value_;
  std::unique_ptr<ipc::Server> server_;
};

// Collects what a Subscriber delivers, for the test thread to look at.
class Seen {
 public:
  ipc::Subscriber::Callback callback() {
    return [this](const json& value) {
      std::lock_guard lock(mutex_);
      values_.push_back(value.value("value", std::string("?")));
    };
  }
  std::vector<std::string> values() {
    std::lock_guard lock(mutex_);
    return values_;
  }
  bool wait_last(const std::string& expected) {
    return fixtures::wait_until(
        [&] {
          auto all = values();
          return !all.empty() && all.back() == expected;
        },
        10s);
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> values_;
};

class IpcSubscriberTest : public ::testing::Test {
 protected:
  fixtures::TempDir dir;
  std::string path = (dir.path() / "value.sock").string();
  ipc_test::IoThread io;
};

TEST_F(IpcSubscriberTest, FetchesThenFollowsEventsInOrder) {
  auto server = std::make_unique<ValueServer>(io.io, path, "v0");
  Seen seen;
  ipc::Subscriber subscriber(io.io, path, "value.get", "value.updated", seen.callback());
  subscriber.start();
  ASSERT_TRUE(seen.wait_last("v0"));
  for (int i = 1; i <= 20; ++i) server->set("v" + std::to_string(i));
  ASSERT_TRUE(seen.wait_last("v20"));
  std::vector<std::string> expected;
  for (int i = 0; i <= 20; ++i) expected.push_back("v" + std::to_string(i));
  EXPECT_EQ(seen.values(), expected);
}

TEST_F(IpcSubscriberTest, ReconnectsAfterServerRestartAndGetsTheFreshValue) {
  auto server = std::make_unique<ValueServer>(io.io, path, "old");
  Seen seen;
  ipc::Subscriber subscriber(io.io, path, "value.get", "value.updated", seen.callback());
  subscriber.start();
  ASSERT_TRUE(seen.wait_last("old"));
  server.reset();                                                // the daemon goes away...
  server = std::make_unique<ValueServer>(io.io, path, "fresh");  // ...and comes back
  ASSERT_TRUE(seen.wait_last("fresh"));
  server->set("newer");
  ASSERT_TRUE(seen.wait_last("newer"));
}

TEST_F(IpcSubscriberTest, WaitsForAServerThatIsNotThereYet) {
  Seen seen;
  ipc::Subscriber subscriber(io.io, path, "value.get", "value.updated", seen.callback());
  subscriber.start();
  ValueServer server(io.io, path, "late");
  ASSERT_TRUE(seen.wait_last("late"));
}

TEST_F(IpcSubscriberTest, NothingIsDeliveredAfterStop) {
  ValueServer server(io.io, path, "first");
  Seen seen;
  ipc::Subscriber subscriber(io.io, path, "value.get", "value.updated", seen.callback());
  subscriber.start();
  ASSERT_TRUE(seen.wait_last("first"));
  subscriber.stop();
  server.set("after-stop");
  // A round trip through the server's io thread: the event was sent by now.
  auto client = ipc::Client::connect(path);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->call("value.get"));
  EXPECT_EQ(seen.values(), std::vector<std::string>{"first"});
}

}  // namespace
