// sd_notify datagrams (init/notify_socket): any service may write to init's
// readiness socket; init reads each datagram with its credentials and any
// file descriptors attached. The input is one datagram, sent over a real
// socket (the kernel supplies the credentials, as in production).
//
// What init then does with the text (supervisor.cpp looks for a READY=1
// line) is a private helper of the supervisor, reached only for a sender
// whose pid is a supervised service; it is not fuzzed here (docs/fuzzing.md).
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_support.hpp"
#include "init/notify_socket.hpp"
#include "unix_socket.hpp"

namespace {

struct Harness {
  fuzz::ScratchDir dir;
  boost::asio::io_context io;
  std::unique_ptr<init::NotifySocket> socket;
  fuzz::Fd sender;
  std::size_t received = 0;

  Harness() {
    auto opened = init::NotifySocket::open(
        io, (dir.path() / "notify").string(),
        [this](pid_t, std::string_view message) { received += message.size(); });
    if (!opened) std::abort();
    socket = std::move(*opened);
    sender = fuzz::Fd(fuzz::connect_unix(socket->path(), SOCK_DGRAM));
    if (sender.get() < 0) std::abort();
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
  // The first byte asks for a file descriptor to be attached (SCM_RIGHTS),
  // which init must close rather than leak.
  const bool with_fd = size > 0 && data[0] == 'F';
  iovec iov{const_cast<std::uint8_t*>(data), size};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (with_fd) {
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&message);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    const int fd = h.sender.get();
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  if (sendmsg(h.sender.get(), &message, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) return 0;
  h.io.poll();
  h.io.restart();
  return 0;
}
