#pragma once
// What every daemon's main() shares: command-line flags of the form
// --name=value, log setup, and a stop on SIGTERM/SIGINT through Asio.

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/error.hpp"

namespace common::daemon {

// --key=value and --flag (value "true"); anything else is a usage error.
Result<std::map<std::string, std::string>> parse_flags(int argc, char** argv);

// Calls on_stop once on SIGTERM or SIGINT (from the io_context's thread).
// Also ignores SIGPIPE, so that a peer closing a socket is an EPIPE error.
void stop_on_signals(boost::asio::io_context& io, std::function<void()> on_stop);

// Exit codes (s6 convention): 100 usage or permanent error, 111 temporary.
inline constexpr int kExitPermanent = 100;
inline constexpr int kExitTemporary = 111;

}  // namespace common::daemon
