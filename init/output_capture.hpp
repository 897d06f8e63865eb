#pragma once
// Forwards a service's stdout+stderr to init's stderr (the console) line by
// line, each line prefixed with the service name, so that the serial console
// shows one readable stream. Lives until the pipe's last writer closes it
// (which may be a grandchild that outlives the service).

#include <boost/asio/io_context.hpp>
#include <string>

namespace init {

// Takes ownership of read_fd.
void capture_output(boost::asio::io_context& io, std::string name, int read_fd);

// Writes "name: text\n" to stderr in one write(2), so lines never interleave.
void write_console_line(std::string_view name, std::string_view text);

}  // namespace init
