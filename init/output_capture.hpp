#pragma once
// Forwards a service's stdout+stderr to init's stderr (the console) line by
// line, each line prefixed with the service name, so that the serial console
// shows one readable stream. Lives until the pipe's last writer closes it
// (which may be a grandchild that outlives the service).

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

namespace init {

class OutputCapture {
 public:
  virtual ~OutputCapture() = default;
  // Forwards, without waiting, every complete line already in the pipe. Init
  // calls it when the service has exited or notified, before it logs that:
  // everything the service wrote before is in the pipe by then, so its words
  // come first on the console instead of racing init's own log line.
  virtual void forward_pending() = 0;
};

// Takes ownership of read_fd and starts forwarding.
std::shared_ptr<OutputCapture> capture_output(boost::asio::io_context& io, std::string name,
                                              int read_fd);

// Writes "name: text\n" to stderr in one write(2), so lines never interleave.
void write_console_line(std::string_view name, std::string_view text);

}  // namespace init
