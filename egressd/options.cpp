#include "egressd/options.hpp"

#include <charconv>

#include "common/daemon.hpp"

namespace egressd {
namespace {

using common::Error;

constexpr std::uint32_t kOwnerFirst = 0x01000000;
constexpr std::uint32_t kOwnerLast = 0x013FFFFF;

common::Result<std::uint32_t> parse_index(std::string_view text) {
  if (text.starts_with("0x") || text.starts_with("0X")) text.remove_prefix(2);
  std::uint32_t value = 0;
  const auto [at, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (text.empty() || error != std::errc() || at != text.data() + text.size() ||
      value < kOwnerFirst || value > kOwnerLast) {
    return common::fail(Error::Kind::invalid_input,
                        "want a hex NV index in the owner range 0x01000000-0x013fffff");
  }
  return value;
}

}  // namespace

std::string_view usage() {
  return "usage: egressd [--tcti=device:/dev/tpmrm0|none] [--nv-index=0x01001500]\n"
         "  [--interface=NAME] [--poll-ms=5000] [--nv-write-minutes=10]\n"
         "  [--sys-class-net=/sys/class/net] [--proc-net-route=/proc/net/route]\n";
}

common::Result<Options> parse_options(int argc, char** argv) {
  auto flags = common::daemon::Flags::parse(argc, argv);
  if (!flags) return std::unexpected(flags.error());
  Options options;
  options.tcti = flags->text("tcti", options.tcti);
  if (auto index = flags->text("nv-index")) {
    auto parsed = parse_index(*index);
    if (parsed)
      options.nv_index = *parsed;
    else
      flags->reject("nv-index", parsed.error());
  }
  auto& enforcer = options.enforcer;
  enforcer.interface = flags->text("interface", "");
  enforcer.poll = flags->milliseconds("poll-ms", std::chrono::seconds(5),
                                      std::chrono::milliseconds(100), std::chrono::minutes(10));
  enforcer.write_interval =
      std::chrono::minutes(flags->integer("nv-write-minutes", 10, 1, 24 * 60));
  enforcer.paths.sys_class_net =
      flags->text("sys-class-net", enforcer.paths.sys_class_net.string());
  enforcer.paths.proc_net_route =
      flags->text("proc-net-route", enforcer.paths.proc_net_route.string());
  if (auto finished = flags->finish(); !finished) return std::unexpected(finished.error());
  return options;
}

}  // namespace egressd
