#pragma once
// The readiness socket, as systemd's NOTIFY_SOCKET: one datagram socket for
// all services. SO_PASSCRED makes the kernel attach the sender's pid to each
// datagram, so init knows which service spoke without trusting its words.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace init {

class NotifySocket {
 public:
  // Read per wake of the event loop, then yield: the socket is 0666, and a
  // flood must not starve everything else init does.
  static constexpr std::size_t kMaxDatagramsPerWake = 8;
  using Handler = std::function<void(pid_t sender, std::string_view message)>;
  // Binds at path (replacing an old socket file), mode 0666: any service may
  // write, and the pid decides what a datagram counts for.
  static common::Result<std::unique_ptr<NotifySocket>> open(boost::asio::io_context& io,
                                                            std::string path, Handler handler);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  const std::string& path() const { return path_; }

  struct Impl;

 private:
  NotifySocket(std::string path, std::shared_ptr<Impl> impl);
  std::string path_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace init
