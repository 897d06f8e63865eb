#include "init/output_capture.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <memory>

namespace init {
namespace {

// A line longer than this is cut into pieces: a service cannot make init
// buffer without bound.
constexpr std::size_t kMaxLine = 4096;

class Capture final : public OutputCapture, public std::enable_shared_from_this<Capture> {
 public:
  Capture(boost::asio::io_context& io, std::string name, int fd)
      : name_(std::move(name)), pipe_(io, fd) {
    // init reads only what is there: a read must never block PID 1.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }

  void forward_pending() override {
    if (!pipe_.is_open()) return;
    // At most one pipe buffer per call: a chatty grandchild cannot keep init
    // in this loop; the rest comes with the next readiness.
    for (int reads = 0; reads < 16; ++reads) {
      const auto n = ::read(pipe_.native_handle(), chunk_.data(), chunk_.size());
      if (n > 0) {
        append(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      // EOF (every writer is gone) or a broken pipe: flush what is left.
      if (!pending_.empty()) write_console_line(name_, pending_);
      pending_.clear();
      boost::system::error_code ignored;
      pipe_.close(ignored);  // cancels the pending wait
      return;
    }
  }

  // Waits for readiness only and reads in forward_pending, so that every read
  // happens in one place and lines come out in the order they were written.
  void wait_readable() {
    pipe_.async_wait(boost::asio::posix::descriptor_base::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& error) {
                       if (error) return;  // closed or init is going down
                       self->forward_pending();
                       if (self->pipe_.is_open()) self->wait_readable();
                     });
  }

 private:
  // Forwards the complete lines in pending_ + chunk_[0, n).
  void append(std::size_t n) {
    pending_.append(chunk_.data(), n);
    std::size_t start = 0;
    for (;;) {
      const auto newline = pending_.find('\n', start);
      if (newline == std::string::npos) break;
      write_console_line(name_, std::string_view(pending_).substr(start, newline - start));
      start = newline + 1;
    }
    pending_.erase(0, start);
    while (pending_.size() >= kMaxLine) {
      write_console_line(name_, std::string_view(pending_).substr(0, kMaxLine));
      pending_.erase(0, kMaxLine);
    }
  }

  std::string name_;
  boost::asio::posix::stream_descriptor pipe_;
  std::array<char, 4096> chunk_{};
  std::string pending_;
};

}  // namespace

void write_console_line(std::string_view name, std::string_view text) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  std::string line;
  line.reserve(name.size() + text.size() + 3);
  line.append(name).append(": ").append(text).push_back('\n');
  std::size_t done = 0;
  while (done < line.size()) {
    const auto n = ::write(2, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;  // a signal, not a gone console
    if (n <= 0) return;                     // the console is gone; nothing better to do
    done += static_cast<std::size_t>(n);
  }
}

std::shared_ptr<OutputCapture> capture_output(boost::asio::io_context& io, std::string name,
                                              int read_fd) {
  auto capture = std::make_shared<Capture>(io, std::move(name), read_fd);
  capture->wait_readable();
  return capture;
}

}  // namespace init
