// A daemon's IPC server (common/ipc_server) as a local peer meets it: the
// fuzz input is the byte stream a client writes (frames, requests,
// subscriptions), sent over a real Unix socket to a real Server.
#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "common/ipc_server.hpp"
#include "fuzz_support.hpp"
#include "unix_socket.hpp"

namespace {

struct Harness {
  fuzz::ScratchDir dir;
  boost::asio::io_context io;
  std::unique_ptr<common::ipc::Server> server;

  Harness() {
    common::ipc::ServerOptions options;
    options.allowed_uids = {getuid()};
    options.max_frame = 4096;
    options.read_timeout = std::chrono::milliseconds(20);
    auto listening = common::ipc::Server::listen(io, (dir.path() / "ipc.sock").string(), options);
    if (!listening) std::abort();
    server = std::move(*listening);
    server->on("echo", [](const common::json& params, const common::ipc::Peer&) {
      return common::Result<common::json>(params);
    });
    server->on("fail",
               [](const common::json&, const common::ipc::Peer&) -> common::Result<common::json> {
                 return common::fail(common::Error::Kind::invalid_input, "no");
               });
    server->on("root_only",
               [](const common::json&, const common::ipc::Peer&) {
                 return common::Result<common::json>(common::json::object());
               },
               {0xfffffffe});
  }
};

Harness& harness() {
  static Harness instance;
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  (void)harness();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& h = harness();
  fuzz::Fd client(fuzz::connect_unix(h.server->path(), SOCK_STREAM));
  if (client.get() < 0) std::abort();
  std::size_t written = 0;
  bool eof = false;
  char buffer[4096];
  // Writes, serves and reads until the server closes; bounded, since a
  // server that never answers is what the read timeout is for.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (!eof && std::chrono::steady_clock::now() < deadline) {
    if (written < size) {
      const ssize_t n =
          send(client.get(), data + written, size - written, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (written == size) shutdown(client.get(), SHUT_WR);
    } else if (size == 0) {
      shutdown(client.get(), SHUT_WR);
    }
    h.io.poll();
    h.io.restart();
    pollfd p{client.get(), POLLIN, 0};
    if (poll(&p, 1, 1) > 0) {
      const ssize_t n = recv(client.get(), buffer, sizeof buffer, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN)) eof = true;
    }
  }
  h.io.poll();
  h.io.restart();
  return 0;
}
