#include "acmed/options.hpp"

#include <charconv>

namespace acmed {
namespace {

using common::Error;

common::Result<long long> number(const std::map<std::string, std::string>& flags,
                                 const std::string& name, long long fallback, long long min,
                                 long long max) {
  auto it = flags.find(name);
  if (it == flags.end()) return fallback;
  long long value = 0;
  const auto& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return common::fail(Error::Kind::invalid_input,
                        "unable to use --" + name + "=" + text + ": expected an integer in [" +
                            std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return value;
}

}  // namespace

common::Result<DaemonOptions> parse_options(const std::map<std::string, std::string>& flags) {
  static const std::map<std::string, int> known = {{"config-source", 0},
                                                   {"http-host", 0},
                                                   {"http-port", 0},
                                                   {"retry-initial-ms", 0},
                                                   {"retry-max-ms", 0},
                                                   {"poll-initial-ms", 0},
                                                   {"order-timeout-seconds", 0},
                                                   {"ari-recheck-min-seconds", 0},
                                                   {"config-poll-ms", 0}};
  for (const auto& [name, _] : flags) {
    if (!known.contains(name))
      return common::fail(Error::Kind::invalid_input, "unknown flag --" + name);
  }
  DaemonOptions options;
  if (auto it = flags.find("config-source"); it != flags.end()) {
    auto source = common::config::parse_source(it->second);
    if (!source) return std::unexpected(source.error());
    options.renewer.config_source = *source;
  }
  if (auto it = flags.find("http-host"); it != flags.end()) options.http_host = it->second;
  const long long day_ms = 24LL * 3600 * 1000;
  auto port = number(flags, "http-port", 80, 0, 65535);
  auto retry_initial = number(flags, "retry-initial-ms", 10000, 1, day_ms);
  auto retry_max = number(flags, "retry-max-ms", 3600000, 1, day_ms);
  auto poll_initial = number(flags, "poll-initial-ms", 250, 1, 60000);
  auto order_timeout = number(flags, "order-timeout-seconds", 300, 1, 86400);
  auto ari_min = number(flags, "ari-recheck-min-seconds", 60, 1, 86400);
  auto config_poll = number(flags, "config-poll-ms", 30000, 100, day_ms);
  for (const auto* value :
       {&port, &retry_initial, &retry_max, &poll_initial, &order_timeout, &ari_min, &config_poll}) {
    if (!*value) return std::unexpected(value->error());
  }
  options.http_port = static_cast<int>(*port);
  options.renewer.retry_initial = std::chrono::milliseconds(*retry_initial);
  options.renewer.retry_max = std::chrono::milliseconds(std::max(*retry_max, *retry_initial));
  options.renewer.poll.first = std::chrono::milliseconds(*poll_initial);
  options.renewer.poll.order_deadline = std::chrono::seconds(*order_timeout);
  options.renewer.ari_recheck_min = std::chrono::seconds(*ari_min);
  options.renewer.config_poll = std::chrono::milliseconds(*config_poll);
  return options;
}

}  // namespace acmed
