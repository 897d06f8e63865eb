// The IPC server against real Unix sockets: round trips, concurrency, events,
// and peers that send garbage, stop half-way, or never read.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <thread>

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

class IpcServerTest : public ::testing::Test {
 protected:
  std::unique_ptr<ipc::Server> listen(ipc::ServerOptions options = {}) {
    if (options.allowed_uids.empty()) options.allowed_uids = {::getuid()};
    auto server = ipc::Server::listen(io.io, path, std::move(options));
    EXPECT_TRUE(server) << server.error().message;
    if (!server) return nullptr;
    (*server)->on("echo",
                  [](const json& params, const ipc::Peer&) -> Result<json> { return params; });
    return std::move(*server);
  }
  ipc::Client connect() {
    auto client = ipc::Client::connect(path);
    EXPECT_TRUE(client) << client.error().message;
    return std::move(client.value());
  }

  fixtures::TempDir dir;
  std::string path = (dir.path() / "run" / "test.sock").string();  // parent created by listen
  ipc_test::IoThread io;
};

TEST_F(IpcServerTest, RoundTripWithPeerAndHandlerThread) {
  auto server = listen();
  std::atomic<bool> on_io_thread{false};
  server->on("whoami", [&](const json&, const ipc::Peer& peer) -> Result<json> {
    on_io_thread = std::this_thread::get_id() == io.id();
    return json{{"uid", peer.uid}, {"pid", peer.pid}};
  });
  auto client = connect();
  auto echoed = client.call("echo", json{{"x", "y"}, {"n", 5}});
  ASSERT_TRUE(echoed) << echoed.error().message;
  EXPECT_EQ(*echoed, (json{{"x", "y"}, {"n", 5}}));
  auto me = client.call("whoami");
  ASSERT_TRUE(me) << me.error().message;
  EXPECT_EQ((*me)["uid"], ::getuid());
  EXPECT_EQ((*me)["pid"], ::getpid());
  EXPECT_TRUE(on_io_thread);
}

TEST_F(IpcServerTest, ErrorsBecomeTypedRepliesAndTheServerGoesOn) {
  auto server = listen();
  server->on("invalid", [](const json&, const ipc::Peer&) -> Result<json> {
    return common::fail(common::Error::Kind::invalid_input, "field \"x\" is missing");
  });
  server->on("throws", [](const json& params, const ipc::Peer&) -> Result<json> {
    return params.at("missing").get<std::string>();  // nlohmann throws
  });
  auto client = connect();
  auto unknown = client.call("nope");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("unknown_method"), std::string::npos);
  auto invalid = client.call("invalid");
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().kind, common::Error::Kind::invalid_input);
  EXPECT_NE(invalid.error().message.find("field \"x\" is missing"), std::string::npos);
  auto thrown = client.call("throws");
  ASSERT_FALSE(thrown);
  EXPECT_NE(thrown.error().message.find("internal"), std::string::npos);
  EXPECT_TRUE(client.call("echo", json{{"still", "alive"}}));
}

TEST_F(IpcServerTest, ManyConcurrentClients) {
  auto server = listen();
  constexpr int kClients = 16;
  constexpr int kCalls = 200;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto client = ipc::Client::connect(path);
      if (!client) return;
      for (int i = 0; i < kCalls; ++i) {
        auto reply = client->call("echo", json{{"client", c}, {"i", i}});
        if (reply && (*reply)["client"] == c && (*reply)["i"] == i) ++good;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(good, kClients * kCalls);
}

TEST_F(IpcServerTest, EventsReachSubscribersOnly) {
  auto server = listen();
  auto a = connect();
  auto b = connect();
  auto c = connect();
  ASSERT_TRUE(a.subscribe({"x"}));
  ASSERT_TRUE(b.subscribe({"y", "z"}));
  server->publish("x", json{{"n", 1}});
  server->publish("y", json{{"n", 2}});

  auto got_a = a.next_event(5s);
  ASSERT_TRUE(got_a) << got_a.error().message;
  EXPECT_EQ(*got_a, ipc::make_event("x", json{{"n", 1}}));
  // Events keep their order per connection: b's first event is y, so it
  // never saw x.
  auto got_b = b.next_event(5s);
  ASSERT_TRUE(got_b) << got_b.error().message;
  EXPECT_EQ((*got_b)["event"], "y");
  // c's reply is queued behind anything published before it; nothing came.
  ASSERT_TRUE(c.call("echo"));
  EXPECT_FALSE(c.next_event(0ms));
  // An event that arrives while a call waits is kept for next_event().
  server->publish("x", json{{"n", 3}});
  ASSERT_TRUE(a.call("echo"));
  auto kept = a.next_event(0ms);
  ASSERT_TRUE(kept);
  EXPECT_EQ((*kept)["data"]["n"], 3);
}

TEST_F(IpcServerTest, MalformedJsonGetsBadFrameAndClose) {
  auto server = listen();
  ipc_test::RawSocket raw(path);
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.send(ipc_test::header(9) + "{not json"));
  auto reply = raw.read_message(5s);
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)["error"]["code"], "bad_frame");
  EXPECT_TRUE(raw.wait_eof(5s));
  EXPECT_TRUE(connect().call("echo"));
}

TEST_F(IpcServerTest, BadRequestsGetRepliesAndTheConnectionStays) {
  auto server = listen();
  ipc_test::RawSocket raw(path);
  for (const json& bad :
       {json::parse("[1,2]"), json::parse(R"({"id":-1,"method":"echo"})"),
        json::parse(R"({"id":2,"method":7})"),
        json::parse(R"({"id":3,"method":"echo","params":[1]})"),
        json::parse(R"({"id":4,"method":"subscribe","params":{"events":"x"}})")}) {
    ASSERT_TRUE(raw.send_message(bad));
    auto reply = raw.read_message(5s);
    ASSERT_TRUE(reply) << bad;
    EXPECT_EQ((*reply)["error"]["code"], "bad_request") << bad;
  }
  ASSERT_TRUE(raw.send_message(ipc::make_request(9, "echo", json{{"ok", true}})));
  auto reply = raw.read_message(5s);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, ipc::make_result(9, json{{"ok", true}}));
}

TEST_F(IpcServerTest, TruncatedFrameThenCloseIsForgotten) {
  auto server = listen();
  for (int i = 0; i < 20; ++i) {
    ipc_test::RawSocket raw(path);
    ASSERT_TRUE(raw.send(ipc_test::header(100) + R"({"id":1,"meth)"));
  }  // each closes mid-frame
  auto client = connect();
  auto reply = client.call("echo", json{{"after", "truncation"}});
  ASSERT_TRUE(reply) << reply.error().message;
}

TEST_F(IpcServerTest, OversizedLengthIsRefusedAtOnce) {
  auto server = listen();
  ipc_test::RawSocket raw(path);
  ASSERT_TRUE(raw.send(ipc_test::header(0xFFFFFFFF)));
  auto reply = raw.read_message(5s);
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)["error"]["code"], "bad_frame");
  EXPECT_TRUE(raw.wait_eof(5s));

  // Exactly at the limit passes; one byte over does not.
  ipc::ServerOptions small;
  small.max_frame = 64;
  server.reset();
  server = listen(small);
  auto client = connect();
  EXPECT_TRUE(client.call("echo", json{{"p", std::string(20, 'a')}}));
  ipc_test::RawSocket over(path);
  ASSERT_TRUE(over.send(ipc_test::header(65)));
  auto refused = over.read_message(5s);
  ASSERT_TRUE(refused);
  EXPECT_EQ((*refused)["error"]["code"], "bad_frame");
}

TEST_F(IpcServerTest, SlowLorisDelaysNobodyAndIsCutAfterTheReadTimeout) {
  ipc::ServerOptions options;
  options.read_timeout = 500ms;
  auto server = listen(options);
  ipc_test::RawSocket loris(path);
  const std::string frame = ipc::encode_frame(ipc::make_request(1, "echo", json::object())).value();
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(loris.send(frame.substr(0, frame.size() / 2)));

  auto client = connect();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(client.call("echo", json{{"i", i}}));
  // All fifty answered while the half frame is still pending, not cut yet.
  EXPECT_FALSE(loris.readable_now());

  auto reply = loris.read_message(10s);
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)["error"]["code"], "bad_frame");
  EXPECT_TRUE(loris.wait_eof(5s));
  EXPECT_GE(std::chrono::steady_clock::now() - started, options.read_timeout);
}

TEST_F(IpcServerTest, TricklingBytesDoesNotExtendTheFrameDeadline) {
  ipc::ServerOptions options;
  options.read_timeout = 300ms;
  auto server = listen(options);
  ipc_test::RawSocket loris(path);
  const std::string frame =
      ipc::encode_frame(ipc::make_request(1, "echo", json{{"pad", std::string(40, 'x')}})).value();
  // One byte every 50 ms: each arrives well within the timeout, the whole
  // frame (about 4 s) does not. Pacing the sender, not waiting for a state.
  for (char byte : frame) {
    if (loris.readable_now() || !loris.send(std::string_view(&byte, 1))) break;
    std::this_thread::sleep_for(50ms);
  }
  auto reply = loris.read_message(5s);
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)["error"]["code"], "bad_frame");
}

TEST_F(IpcServerTest, IdleConnectionsAreNotTimedOut) {
  ipc::ServerOptions options;
  options.read_timeout = 100ms;
  auto server = listen(options);
  auto client = connect();
  ASSERT_TRUE(client.call("echo"));
  // Idle well past the read timeout (waiting on the loris proves time passed).
  ipc_test::RawSocket loris(path);
  ASSERT_TRUE(loris.send(ipc_test::header(10)));
  ASSERT_TRUE(loris.wait_eof(5s));
  EXPECT_TRUE(client.call("echo"));
}

TEST_F(IpcServerTest, ConnectionCapRefusesTheExtraPeer) {
  ipc::ServerOptions options;
  options.max_connections = 2;
  auto server = listen(options);
  auto first = connect();
  auto second = connect();
  ASSERT_TRUE(first.call("echo"));
  ASSERT_TRUE(second.call("echo"));
  auto third = connect();
  auto refused = third.call("echo");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("too many connections"), std::string::npos)
      << refused.error().message;
  { ipc::Client gone = std::move(first); }
  EXPECT_TRUE(fixtures::wait_until(
      [&] {
        auto retry = ipc::Client::connect(path);
        return retry && retry->call("echo").has_value();
      },
      5s));
}

TEST_F(IpcServerTest, SubscriberThatStopsReadingIsDroppedOthersUnaffected) {
  ipc::ServerOptions options;
  options.max_queued_bytes = 256U << 10;
  auto server = listen(options);
  ipc_test::RawSocket stalled(path);
  ASSERT_TRUE(stalled.send_message(
      ipc::make_request(1, "subscribe", json{{"events", json::array({"blob"})}})));
  ASSERT_TRUE(stalled.read_message(5s));
  auto fast = connect();
  ASSERT_TRUE(fast.subscribe({"blob"}));

  constexpr int kEvents = 200;
  const std::string payload(32U << 10, 'p');
  for (int i = 0; i < kEvents; ++i) {
    server->publish("blob", json{{"i", i}, {"payload", payload}});
    auto event = fast.next_event(5s);
    ASSERT_TRUE(event) << i << ": " << event.error().message;
    ASSERT_EQ((*event)["data"]["i"], i);
  }
  // 6.4 MB were published; the stalled peer got at most its socket buffer
  // plus the queue limit before it was cut.
  EXPECT_TRUE(stalled.wait_eof(10s));
  EXPECT_LT(stalled.bytes_read(), kEvents * payload.size() / 2);
  EXPECT_TRUE(fast.call("echo"));
}

// A socket file left by a crashed run: bound, never unlinked.
void leave_stale_socket(const std::string& path) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
  ::close(fd);
}

TEST_F(IpcServerTest, StaleSocketIsReplacedModeIsSetFileIsRemoved) {
  leave_stale_socket(path);
  ASSERT_TRUE(std::filesystem::is_socket(path));
  ipc::ServerOptions options;
  options.socket_mode = 0600;
  auto server = listen(options);
  ASSERT_TRUE(server);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  EXPECT_TRUE(connect().call("echo"));
  server.reset();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(IpcServerTest, ClosingDoesNotRemoveASuccessorsSocket) {
  auto old_server = listen();
  auto successor = listen();  // same path: replaces the old file
  old_server.reset();
  ASSERT_TRUE(std::filesystem::is_socket(path));
  EXPECT_TRUE(connect().call("echo"));
}

TEST_F(IpcServerTest, NonSocketInTheWayIsAnError) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << "not a socket";
  auto server = ipc::Server::listen(io.io, path, {.allowed_uids = {::getuid()}});
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().kind, common::Error::Kind::invalid_input);
  EXPECT_TRUE(std::filesystem::is_regular_file(path));
}

TEST_F(IpcServerTest, ClientReportsMissingServerAndLongPath) {
  auto missing = ipc::Client::connect(path);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, common::Error::Kind::environment);
  auto too_long = ipc::Client::connect("/tmp/" + std::string(200, 'x'));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().kind, common::Error::Kind::invalid_input);
}

}  // namespace
