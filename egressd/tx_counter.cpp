#include "egressd/tx_counter.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

namespace egressd {
namespace {

using common::Error;

constexpr unsigned kRouteUp = 0x1;  // RTF_UP

common::Result<std::uint64_t> read_counter(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string text;
  if (!in || !std::getline(in, text)) {
    return common::fail(Error::Kind::environment, "unable to read " + file.string());
  }
  std::uint64_t value = 0;
  const auto [at, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || at == text.data()) {
    return common::fail(Error::Kind::environment, "unable to parse " + file.string());
  }
  return value;
}

}  // namespace

common::Result<std::string> default_route_interface(const std::filesystem::path& proc_net_route) {
  std::ifstream in(proc_net_route);
  if (!in)
    return common::fail(Error::Kind::environment, "unable to read " + proc_net_route.string());
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name, destination, gateway, flags_hex, refcnt, use, metric, mask;
    if (!(fields >> name >> destination >> gateway >> flags_hex >> refcnt >> use >> metric >>
          mask)) {
      continue;
    }
    unsigned flags = 0;
    std::from_chars(flags_hex.data(), flags_hex.data() + flags_hex.size(), flags, 16);
    if (destination == "00000000" && mask == "00000000" && (flags & kRouteUp) != 0) return name;
  }
  return common::fail(Error::Kind::not_found, "no default route");
}

TxCounter::TxCounter(TxPaths paths, std::string interface, std::string baseline_interface,
                     std::uint64_t baseline)
    : paths_(std::move(paths)),
      fixed_(std::move(interface)),
      current_(std::move(baseline_interface)),
      last_(baseline) {}

common::Result<std::uint64_t> TxCounter::delta() {
  std::string name = fixed_;
  if (name.empty()) {
    auto route = default_route_interface(paths_.proc_net_route);
    if (!route) return std::unexpected(route.error());
    name = std::move(*route);
  }
  // Interface names come from the kernel, but keep them to one path segment.
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return common::fail(Error::Kind::invalid_input, "unusable interface name '" + name + "'");
  }
  auto value = read_counter(paths_.sys_class_net / name / "statistics" / "tx_bytes");
  if (!value) return std::unexpected(value.error());
  if (name != current_) {
    // Another interface: everything it sent this boot is new to the count
    // (over-counts if it was counted before, which errs on the safe side).
    current_ = name;
    last_ = 0;
  }
  const std::uint64_t sent = *value >= last_ ? *value - last_ : *value;
  last_ = *value;
  return sent;
}

}  // namespace egressd
