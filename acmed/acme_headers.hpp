#pragma once
// The HTTP header grammars ACME relies on: Retry-After (RFC 9110 §10.2.3,
// delay-seconds or an HTTP-date), Link (RFC 8288, for rel="alternate" chains
// and rel="up"), and RFC 3339 timestamps in ACME and ARI objects.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace acmed {

using Clock = std::chrono::system_clock;

// Retry-After as a point in time; nullopt when absent or malformed.
std::optional<Clock::time_point> parse_retry_after(std::string_view value, Clock::time_point now);

// Targets of every link with the given rel among Link header values (each
// value may hold several comma-separated links).
std::vector<std::string> links_with_rel(const std::vector<std::string>& link_headers,
                                        std::string_view rel);

// "2025-01-02T03:04:05Z", fractions and numeric offsets accepted.
std::optional<Clock::time_point> parse_rfc3339(std::string_view text);
std::string format_rfc3339(Clock::time_point time);  // UTC, whole seconds

}  // namespace acmed
