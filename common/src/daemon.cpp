#include "common/daemon.hpp"

#include <csignal>
#include <memory>
#include <string_view>

#include <boost/asio/signal_set.hpp>

namespace common::daemon {

Result<std::map<std::string, std::string>> parse_flags(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i] == nullptr ? "" : argv[i]);
    if (!arg.starts_with("--") || arg.size() == 2 || arg[2] == '=') {
      return fail(Error::Kind::invalid_input,
                  "unable to parse the command line: unexpected argument '" + std::string(arg) +
                      "' (flags are --name=value or --name)");
    }
    const auto body = arg.substr(2);
    const auto equals = body.find('=');
    std::string name(body.substr(0, equals));
    std::string value =
        equals == std::string_view::npos ? "true" : std::string(body.substr(equals + 1));
    // A repeated flag is almost always a mistake in a service table.
    if (!flags.emplace(name, std::move(value)).second) {
      return fail(Error::Kind::invalid_input,
                  "unable to parse the command line: flag --" + name + " given twice");
    }
  }
  return flags;
}

void stop_on_signals(boost::asio::io_context& io, std::function<void()> on_stop) {
  // A peer that closes its socket mid-write (TLS clients do, and libcurl with
  // CURLOPT_NOSIGNAL does not shield us) must give EPIPE, not kill the daemon.
  std::signal(SIGPIPE, SIG_IGN);
  // The handler owns the signal_set, so it lives exactly until the signal
  // arrives (or the io_context is destroyed).
  auto signals = std::make_shared<boost::asio::signal_set>(io, SIGTERM, SIGINT);
  signals->async_wait(
      [signals, on_stop = std::move(on_stop)](const boost::system::error_code& error, int) {
        if (error) return;  // cancelled: the io_context is going away
        on_stop();
      });
}

}  // namespace common::daemon
