#include "init/output_capture.hpp"

#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>

namespace init {
namespace {

// A line longer than this is cut into pieces: a service cannot make init
// buffer without bound.
constexpr std::size_t kMaxLine = 4096;

class Capture : public std::enable_shared_from_this<Capture> {
 public:
  Capture(boost::asio::io_context& io, std::string name, int fd)
      : name_(std::move(name)), pipe_(io, fd) {}

  void read_more() {
    pipe_.async_read_some(boost::asio::buffer(chunk_),
                          [self = shared_from_this()](const boost::system::error_code& error,
                                                      std::size_t n) { self->on_read(error, n); });
  }

 private:
  void on_read(const boost::system::error_code& error, std::size_t n) {
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
    if (error) {  // EOF or the descriptor closed: flush what is left
      if (!pending_.empty()) write_console_line(name_, pending_);
      return;
    }
    read_more();
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
    if (n <= 0) return;  // the console is gone; nothing better to do
    done += static_cast<std::size_t>(n);
  }
}

void capture_output(boost::asio::io_context& io, std::string name, int read_fd) {
  std::make_shared<Capture>(io, std::move(name), read_fd)->read_more();
}

}  // namespace init
