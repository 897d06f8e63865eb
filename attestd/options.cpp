#include "attestd/options.hpp"

#include "common/daemon.hpp"

namespace attestd {

common::Result<Options> parse_command_line(int argc, char** argv) {
  auto parsed = common::daemon::Flags::parse(argc, argv);
  if (!parsed) return std::unexpected(parsed.error());
  auto& flags = *parsed;
  Options o;
  o.tcti = flags.text("tcti", o.tcti);
  o.host = flags.text("host", o.host);
  o.port = static_cast<int>(flags.integer("port", o.port, 0, 65535));
  o.event_log = flags.text("event-log", o.event_log);
  // PCR 16 and up are resettable or reserved: only 0-15 are sound for this.
  o.config_pcr = static_cast<unsigned>(flags.integer("config-pcr", o.config_pcr, 0, 15));
  o.state_dir = flags.text("state-dir", o.state_dir);
  o.config_file = flags.text("config-file", o.config_file);
  o.config_poll_seconds =
      static_cast<int>(flags.integer("config-poll-seconds", o.config_poll_seconds, 0, 86400));
  o.tls_name = flags.text("tls-name", o.tls_name);
  if (auto done = flags.finish(); !done) return std::unexpected(done.error());
  return o;
}

}  // namespace attestd
