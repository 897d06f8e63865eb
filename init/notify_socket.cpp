#include "init/notify_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>

namespace init {

struct NotifySocket::Impl : std::enable_shared_from_this<NotifySocket::Impl> {
  Impl(boost::asio::io_context& io, int fd, Handler h) : socket(io, fd), handler(std::move(h)) {}

  void wait() {
    socket.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                      [weak = weak_from_this()](const boost::system::error_code& error) {
                        auto self = weak.lock();
                        if (!self || error) return;
                        self->drain();
                        self->wait();
                      });
  }

  // At most kMaxDatagramsPerWake, then back to the event loop: the next
  // async_wait fires at once if more are queued, after other ready work.
  void drain() {
    for (std::size_t i = 0; i < kMaxDatagramsPerWake; ++i) {
      std::array<char, 4096> data{};
      alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(ucred))> control{};
      iovec iov{data.data(), data.size()};
      msghdr message{};
      message.msg_iov = &iov;
      message.msg_iovlen = 1;
      message.msg_control = control.data();
      message.msg_controllen = control.size();
      const auto n = recvmsg(socket.native_handle(), &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
      if (n < 0) return;  // EAGAIN: drained
      pid_t sender = 0;
      for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
          ucred credentials{};
          std::memcpy(&credentials, CMSG_DATA(c), sizeof credentials);
          sender = credentials.pid;
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
          // sd_notify may pass descriptors (FDSTORE); init keeps none.
          const auto count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
          for (std::size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            ::close(fd);
          }
        }
      }
      if (sender > 0) handler(sender, std::string_view(data.data(), static_cast<std::size_t>(n)));
    }
  }

  boost::asio::posix::stream_descriptor socket;
  Handler handler;
};

common::Result<std::unique_ptr<NotifySocket>> NotifySocket::open(boost::asio::io_context& io,
                                                                 std::string path,
                                                                 Handler handler) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    return common::fail(common::Error::Kind::invalid_input,
                        "unable to bind notify socket: path too long: " + path);
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return common::fail(common::Error::Kind::environment,
                        std::string("unable to create notify socket: ") + std::strerror(errno));
  }
  auto fail_with = [&](const char* what) {
    const int saved = errno;
    ::close(fd);
    return common::fail(common::Error::Kind::environment, std::string("unable to ") + what + " " +
                                                              path + ": " + std::strerror(saved));
  };
  ::unlink(path.c_str());
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) {
    return fail_with("bind notify socket");
  }
  const int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0) {
    return fail_with("set SO_PASSCRED on");
  }
  if (chmod(path.c_str(), 0666) < 0) return fail_with("chmod");
  auto impl = std::make_shared<Impl>(io, fd, std::move(handler));
  impl->wait();
  return std::unique_ptr<NotifySocket>(new NotifySocket(std::move(path), std::move(impl)));
}

NotifySocket::NotifySocket(std::string path, std::shared_ptr<Impl> impl)
    : path_(std::move(path)), impl_(std::move(impl)) {}

NotifySocket::~NotifySocket() {
  boost::system::error_code ignored;
  impl_->socket.close(ignored);
  ::unlink(path_.c_str());
}

}  // namespace init
