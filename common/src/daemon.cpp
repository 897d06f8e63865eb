#include "common/daemon.hpp"

#include <charconv>
#include <csignal>
#include <iostream>
#include <memory>

#include <boost/asio/signal_set.hpp>

#include "common/crypto.hpp"
#include "common/log.hpp"
#include "common/notify.hpp"
#include "common/tls_identity.hpp"
#include "common/x509.hpp"

namespace common::daemon {
namespace {

Error usage_error(std::string message) {
  return Error{Error::Kind::invalid_input, "unable to parse the command line: " + message};
}

std::string host_of(const std::string& name) {
  // "example.com:8443" names a host and port; a certificate names the host.
  const auto colon = name.rfind(':');
  return colon == std::string::npos ? name : name.substr(0, colon);
}

}  // namespace

int exit_code(const Error& error) {
  switch (error.kind) {
    case Error::Kind::invalid_input:
    case Error::Kind::not_found:
    case Error::Kind::permission:
      return kExitPermanent;
    case Error::Kind::environment:
    case Error::Kind::internal:
      return kExitTemporary;
  }
  return kExitTemporary;
}

int fail_start(std::string_view step, const Error& error) {
  log::critical(log::Event{"daemon.start_failed"}, "unable to start",
                {{"step", std::string(step)}, {"reason", error.message}});
  return exit_code(error);
}

void print_usage_error(std::string_view program, std::string_view usage, const Error& error) {
  std::cerr << program << ": " << error.message << "\nusage: " << program << ' ' << usage << '\n';
}

Result<Flags> Flags::parse(int argc, char** argv) {
  auto values = parse_map(argc, argv);
  if (!values) return std::unexpected(values.error());
  return Flags(std::move(*values));
}

Result<std::map<std::string, std::string>> Flags::parse_map(int argc, char** argv) {
  std::map<std::string, std::string> values;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i] == nullptr ? "" : argv[i]);
    if (!arg.starts_with("--") || arg.size() == 2 || arg[2] == '=') {
      return std::unexpected(usage_error("unexpected argument '" + std::string(arg) +
                                         "' (flags are --name=value or --name)"));
    }
    const auto body = arg.substr(2);
    const auto equals = body.find('=');
    std::string name(body.substr(0, equals));
    std::string value =
        equals == std::string_view::npos ? "true" : std::string(body.substr(equals + 1));
    // A repeated flag is almost always a mistake in a service table.
    if (!values.emplace(name, std::move(value)).second) {
      return std::unexpected(usage_error("flag --" + name + " given twice"));
    }
  }
  return values;
}

Flags::Flags(std::map<std::string, std::string> values) : values_(std::move(values)) {}

std::optional<std::string> Flags::text(std::string_view name) {
  auto it = values_.find(std::string(name));
  if (it == values_.end()) return std::nullopt;
  read_.emplace(name);
  return it->second;
}

std::string Flags::text(std::string_view name, std::string fallback) {
  return text(name).value_or(std::move(fallback));
}

long long Flags::integer(std::string_view name, long long fallback, long long min,
                         long long max) {
  auto text_value = text(name);
  if (!text_value) return fallback;
  long long value = 0;
  const auto& s = *text_value;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < min || value > max) {
    reject(name, usage_error("--" + std::string(name) + "=" + s + " is not an integer in [" +
                             std::to_string(min) + ", " + std::to_string(max) + "]"));
    return fallback;
  }
  return value;
}

std::chrono::milliseconds Flags::milliseconds(std::string_view name,
                                              std::chrono::milliseconds fallback,
                                              std::chrono::milliseconds min,
                                              std::chrono::milliseconds max) {
  return std::chrono::milliseconds(integer(name, fallback.count(), min.count(), max.count()));
}

std::chrono::seconds Flags::seconds(std::string_view name, std::chrono::seconds fallback,
                                    std::chrono::seconds min, std::chrono::seconds max) {
  return std::chrono::seconds(integer(name, fallback.count(), min.count(), max.count()));
}

bool Flags::boolean(std::string_view name, bool fallback) {
  auto value = text(name);
  if (!value) return fallback;
  if (*value == "true") return true;
  if (*value == "false") return false;
  reject(name, usage_error("--" + std::string(name) + "=" + *value + " is not true or false"));
  return fallback;
}

void Flags::reject(std::string_view name, const Error& error) {
  read_.emplace(name);
  if (!error_) error_ = error;
}

Status Flags::finish() const {
  if (error_) return std::unexpected(*error_);
  for (const auto& [name, _] : values_) {
    if (!read_.contains(name)) return std::unexpected(usage_error("unknown flag --" + name));
  }
  return {};
}

Status install_bootstrap_identity(CertificateStore& store, std::vector<std::string> names,
                                  std::chrono::hours validity) {
  for (auto& name : names) name = host_of(name);
  auto key = crypto::generate_p256();
  if (!key) return std::unexpected(wrap(key.error(), "unable to create the bootstrap key"));
  auto cert = x509::self_signed_pem(key->get(), names, validity);
  if (!cert) return std::unexpected(wrap(cert.error(), "unable to create the bootstrap certificate"));
  auto key_pem = crypto::private_key_pem(key->get());
  if (!key_pem) return std::unexpected(wrap(key_pem.error(), "unable to encode the bootstrap key"));
  return store.update(*cert, *key_pem, /*self_signed=*/true);
}

Status announce_ready() {
  auto sent = notify::ready();
  if (!sent) {
    log::error(log::Event{"daemon.ready_unannounced"}, "unable to announce readiness",
               {{"reason", sent.error().message}});
  }
  return sent;
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
