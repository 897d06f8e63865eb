#include "acmed/options.hpp"

#include <algorithm>

#include "common/daemon.hpp"

namespace acmed {

common::Result<DaemonOptions> parse_options(std::map<std::string, std::string> values) {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  common::daemon::Flags flags(std::move(values));
  DaemonOptions o;
  auto& r = o.renewer;
  r.config_source = common::config::source_flag(flags);
  o.http_host = flags.text("http-host", o.http_host);
  o.http_port = static_cast<int>(flags.integer("http-port", o.http_port, 0, 65535));
  const milliseconds day = std::chrono::hours(24);
  r.retry_initial = flags.milliseconds("retry-initial-ms", milliseconds(10000), milliseconds(1), day);
  r.retry_max = std::max(flags.milliseconds("retry-max-ms", milliseconds(3600000), milliseconds(1), day),
                         r.retry_initial);
  r.poll.first = flags.milliseconds("poll-initial-ms", milliseconds(250), milliseconds(1),
                                    milliseconds(60000));
  r.poll.order_deadline =
      flags.seconds("order-timeout-seconds", seconds(300), seconds(1), seconds(86400));
  r.ari_recheck_min =
      flags.seconds("ari-recheck-min-seconds", seconds(60), seconds(1), seconds(86400));
  r.config_poll = flags.milliseconds("config-poll-ms", milliseconds(30000), milliseconds(100), day);
  if (auto done = flags.finish(); !done) return std::unexpected(done.error());
  return o;
}

common::Result<DaemonOptions> parse_command_line(int argc, char** argv) {
  auto flags = common::daemon::Flags::parse_map(argc, argv);
  if (!flags) return std::unexpected(flags.error());
  return parse_options(std::move(*flags));
}

}  // namespace acmed
