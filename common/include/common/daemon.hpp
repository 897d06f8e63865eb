#pragma once
// The skeleton every program's main() shares (docs/architecture.md, "One
// layout for every program"): the command line as --name=value flags, one
// mapping from an Error to an exit code, the self-signed bootstrap identity a
// TLS server uses until acmed hands over the CA's certificate, readiness that
// says when it could not be announced, and a stop on SIGTERM/SIGINT.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/error.hpp"

namespace common {
class CertificateStore;
}

namespace common::daemon {

// Exit codes (s6 convention): 100 usage or permanent error, 111 temporary.
inline constexpr int kExitPermanent = 100;
inline constexpr int kExitTemporary = 111;

// The one mapping from why something failed to how the program exits: what a
// restart cannot fix (usage, invalid configuration, refused by policy, absent)
// is permanent; the environment (a peer, a device) and bugs are temporary, so
// that the supervisor restarts the program with back-off.
int exit_code(const Error& error);

// Logs that the program cannot start (CRITICAL, event "daemon.start_failed",
// "unable to start" with fields `step` and `reason`) and returns the exit
// code for the error: `return common::daemon::fail_start("listen", error);`
int fail_start(std::string_view step, const Error& error);

// Writes "<program>: <message>" and a usage line to stderr, for a command line
// that could not be parsed (before logging is set up, people read this).
void print_usage_error(std::string_view program, std::string_view usage, const Error& error);

// The command line: --key=value and --flag (value "true"); anything else is
// a usage error. Option parsers read each flag they know by name; the first
// invalid value is kept and reported by finish(), together with any flag that
// nobody read, so a parser is a list of one-line reads.
class Flags {
 public:
  // The raw name -> value map (tools with free-form flags use it directly).
  static Result<std::map<std::string, std::string>> parse_map(int argc, char** argv);
  static Result<Flags> parse(int argc, char** argv);
  explicit Flags(std::map<std::string, std::string> values);

  // The flag's text, or nullopt when absent.
  std::optional<std::string> text(std::string_view name);
  std::string text(std::string_view name, std::string fallback);
  // A decimal integer in [min, max]; `fallback` when absent (or invalid: then
  // finish() reports the error).
  long long integer(std::string_view name, long long fallback, long long min, long long max);
  std::chrono::milliseconds milliseconds(std::string_view name, std::chrono::milliseconds fallback,
                                         std::chrono::milliseconds min,
                                         std::chrono::milliseconds max);
  std::chrono::seconds seconds(std::string_view name, std::chrono::seconds fallback,
                               std::chrono::seconds min, std::chrono::seconds max);
  // --name, --name=true or --name=false.
  bool boolean(std::string_view name, bool fallback = false);
  // Records an error found while interpreting a flag (the first one wins).
  void reject(std::string_view name, const Error& error);

  // The first invalid value, else the first flag nobody read.
  Status finish() const;

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string, std::less<>> read_;
  std::optional<Error> error_;
};

// A key born in RAM and a self-signed certificate for `names` (host names;
// a ":port" suffix is dropped), installed in `store`. Served until acmed
// hands over the domain's certificate, so a TLS port never refuses a
// handshake for want of a certificate.
Status install_bootstrap_identity(CertificateStore& store, std::vector<std::string> names,
                                  std::chrono::hours validity);

// READY=1 to the supervisor. A lost READY would otherwise show only as a kill
// after the supervisor's ready timeout, so a failure is logged (event
// "daemon.ready_unannounced") and returned.
Status announce_ready();

// Calls on_stop once on SIGTERM or SIGINT (from the io_context's thread).
// Also ignores SIGPIPE, so that a peer closing a socket is an EPIPE error.
void stop_on_signals(boost::asio::io_context& io, std::function<void()> on_stop);

}  // namespace common::daemon
