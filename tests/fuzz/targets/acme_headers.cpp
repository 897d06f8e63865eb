// HTTP headers from the ACME CA (acmed/acme_headers): Retry-After (seconds
// or an HTTP date), Link (rel="up", "alternate") and RFC 3339 times (ARI,
// order expiry). Input: header lines; the first selects the parser of each.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "acmed/acme_headers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto now = acmed::Clock::time_point(std::chrono::seconds(1767225600));  // 2026-01-01
  std::vector<std::string> links;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    (void)acmed::parse_retry_after(line, now);
    if (auto time = acmed::parse_rfc3339(line)) (void)acmed::format_rfc3339(*time);
    links.emplace_back(line);
  }
  (void)acmed::links_with_rel(links, "up");
  (void)acmed::links_with_rel(links, "alternate");
  return 0;
}
