#include "authd/options.hpp"

#include "common/daemon.hpp"

namespace authd {

common::Result<Options> parse_options(std::map<std::string, std::string> values) {
  common::daemon::Flags flags(std::move(values));
  Options o;
  o.host = flags.text("host", o.host);
  o.config_source = common::config::source_flag(flags);
  o.secret_manager.base_url = flags.text("secret-manager-url", o.secret_manager.base_url);
  o.port = static_cast<int>(flags.integer("port", o.port, 1, 65535));
  o.key_rotation_seconds =
      flags.integer("key-rotation-seconds", o.key_rotation_seconds, 1, 365 * 86400);
  auto& provider = o.provider;
  provider.id_token_ttl_seconds =
      flags.integer("id-token-ttl-seconds", provider.id_token_ttl_seconds, 1, 86400);
  provider.code_ttl_seconds = flags.integer("code-ttl-seconds", provider.code_ttl_seconds, 1, 600);
  provider.login_ttl_seconds =
      flags.integer("login-ttl-seconds", provider.login_ttl_seconds, 1, 3600);
  provider.upstream_timeout =
      flags.milliseconds("paypal-timeout-ms", provider.upstream_timeout,
                         std::chrono::milliseconds(1), std::chrono::milliseconds(120000));
  // /token is called once per login, /authorize by browsers that may retry:
  // the token endpoint gets twice the burst and four times the rate.
  const auto burst = static_cast<double>(flags.integer("rate-limit-burst", 30, 1, 1000000));
  const auto rate = static_cast<double>(flags.integer("rate-limit-per-second", 5, 1, 1000000));
  o.routes.authorize_limit = {burst, rate, 10000};
  o.routes.token_limit = {burst * 2, rate * 4, 10000};
  o.config_poll_seconds = flags.seconds("config-poll-seconds", o.config_poll_seconds,
                                        std::chrono::seconds(1), std::chrono::seconds(86400));
  o.worker_threads =
      static_cast<std::size_t>(flags.integer("worker-threads", 16, 1, 1024));
  o.certificate_file = flags.text("certificate-file", "");
  o.private_key_file = flags.text("private-key-file", "");
  if (auto done = flags.finish(); !done) return std::unexpected(done.error());
  if (o.certificate_file.empty() != o.private_key_file.empty()) {
    return common::fail(common::Error::Kind::invalid_input,
                        "unable to parse the command line: --certificate-file and "
                        "--private-key-file go together");
  }
  return o;
}

common::Result<Options> parse_command_line(int argc, char** argv) {
  auto flags = common::daemon::Flags::parse_map(argc, argv);
  if (!flags) return std::unexpected(flags.error());
  return parse_options(std::move(*flags));
}

}  // namespace authd
