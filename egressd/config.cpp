#include "egressd/config.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace egressd {
namespace {

using common::Error;

std::optional<std::uint64_t> whole_number(std::string_view text) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [at, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || at != end) return std::nullopt;
  return value;
}

std::unexpected<Error> rejected(std::string_view key, std::string_view value,
                                std::string_view want) {
  return common::fail(
      Error::Kind::invalid_input,
      "unable to use " + std::string(key) + "='" + std::string(value) + "': " + std::string(want));
}

common::Result<std::vector<unsigned>> parse_percents(const std::string_view whole) {
  std::vector<unsigned> percents;
  std::string_view text = whole;
  while (true) {
    const auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    const auto value = whole_number(item);
    if (!value || *value < 1 || *value > 99) {
      return rejected("egress_warn_percent", whole, "want whole percents in 1..99, e.g. 80,90");
    }
    percents.push_back(static_cast<unsigned>(*value));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  std::sort(percents.begin(), percents.end());
  percents.erase(std::unique(percents.begin(), percents.end()), percents.end());
  return percents;
}

}  // namespace

common::Result<Config> parse_config(const common::config::Values& values) {
  Config config;
  const std::string cap = common::config::value_or_empty(values, "egress_cap_bytes");
  if (!cap.empty()) {
    const auto bytes = whole_number(cap);
    if (!bytes || *bytes == 0) {
      return rejected("egress_cap_bytes", cap, "want a positive whole number of bytes");
    }
    config.cap_bytes = *bytes;
  }
  const std::string warn = common::config::value_or_empty(values, "egress_warn_percent");
  if (!warn.empty()) {
    auto percents = parse_percents(warn);
    if (!percents) return std::unexpected(percents.error());
    config.warn_percent = std::move(*percents);
  }
  return config;
}

}  // namespace egressd
