#include "authd/options.hpp"

#include <charconv>

namespace authd {
namespace {

using common::Error;
using common::fail;

common::Result<std::int64_t> positive(const std::string& name, const std::string& text,
                                      std::int64_t max) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > max) {
    return fail(Error::Kind::invalid_input,
                "--" + name + " must be an integer from 1 to " + std::to_string(max));
  }
  return value;
}

}  // namespace

common::Result<Options> parse_options(const std::map<std::string, std::string>& flags) {
  Options options;
  options.routes.authorize_limit = {30, 5, 10000};
  options.routes.token_limit = {60, 20, 10000};
  for (const auto& [name, value] : flags) {
    common::Result<std::int64_t> number = 0;
    if (name == "host") {
      options.host = value;
    } else if (name == "config-source") {
      auto source = common::config::parse_source(value);
      if (!source) return std::unexpected(source.error());
      options.config_source = *source;
    } else if (name == "secret-manager-url") {
      options.secret_manager.base_url = value;
    } else if (name == "port") {
      if (!(number = positive(name, value, 65535))) return std::unexpected(number.error());
      options.port = static_cast<int>(*number);
    } else if (name == "key-rotation-seconds") {
      if (!(number = positive(name, value, 365 * 86400))) return std::unexpected(number.error());
      options.key_rotation_seconds = *number;
    } else if (name == "id-token-ttl-seconds") {
      if (!(number = positive(name, value, 86400))) return std::unexpected(number.error());
      options.provider.id_token_ttl_seconds = *number;
    } else if (name == "code-ttl-seconds") {
      if (!(number = positive(name, value, 600))) return std::unexpected(number.error());
      options.provider.code_ttl_seconds = *number;
    } else if (name == "login-ttl-seconds") {
      if (!(number = positive(name, value, 3600))) return std::unexpected(number.error());
      options.provider.login_ttl_seconds = *number;
    } else if (name == "rate-limit-burst") {
      if (!(number = positive(name, value, 1000000))) return std::unexpected(number.error());
      options.routes.authorize_limit.burst = static_cast<double>(*number);
      options.routes.token_limit.burst = static_cast<double>(*number) * 2;
    } else if (name == "rate-limit-per-second") {
      if (!(number = positive(name, value, 1000000))) return std::unexpected(number.error());
      options.routes.authorize_limit.per_second = static_cast<double>(*number);
      options.routes.token_limit.per_second = static_cast<double>(*number) * 4;
    } else if (name == "certificate-file") {
      options.certificate_file = value;
    } else if (name == "private-key-file") {
      options.private_key_file = value;
    } else if (name == "paypal-timeout-ms") {
      if (!(number = positive(name, value, 120000))) return std::unexpected(number.error());
      options.provider.upstream_timeout = std::chrono::milliseconds(*number);
    } else if (name == "config-poll-seconds") {
      if (!(number = positive(name, value, 86400))) return std::unexpected(number.error());
      options.config_poll_seconds = std::chrono::seconds(*number);
    } else if (name == "worker-threads") {
      if (!(number = positive(name, value, 1024))) return std::unexpected(number.error());
      options.worker_threads = static_cast<std::size_t>(*number);
    } else {
      return fail(Error::Kind::invalid_input, "unknown flag --" + name);
    }
  }
  if (options.certificate_file.empty() != options.private_key_file.empty()) {
    return fail(Error::Kind::invalid_input,
                "--certificate-file and --private-key-file go together");
  }
  return options;
}

}  // namespace authd
