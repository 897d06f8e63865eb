#include "acmed/acme_headers.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace acmed {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Reads exactly `width` digits at `pos`.
std::optional<int> digits_at(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  auto part = text.substr(pos, width);
  if (!all_digits(part)) return std::nullopt;
  int value = 0;
  std::from_chars(part.data(), part.data() + part.size(), value);
  return value;
}

// Clock counts nanoseconds in 64 bits (1677 to 2262): a later date such as a
// server's "9999-12-31" would overflow from_time_t (undefined behaviour, found
// by tests/fuzz), so it is rejected like any other malformed time. The day of
// margin leaves room for an RFC 3339 offset and fraction.
std::optional<Clock::time_point> representable(std::time_t seconds) {
  constexpr std::time_t limit =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::duration::max()).count() - 86400;
  if (seconds > limit || seconds < -limit) return std::nullopt;
  return Clock::from_time_t(seconds);
}

std::optional<Clock::time_point> utc_time(int year, int month, int day, int hour, int minute,
                                          int second) {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return representable(timegm(&tm));
}

// Splits a Link header value at the commas that separate links (commas
// inside <...> or quotes belong to the link).
std::vector<std::string_view> split_links(std::string_view value) {
  std::vector<std::string_view> parts;
  bool in_angle = false;
  bool in_quote = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (in_quote) {
      if (c == '"') in_quote = false;
    } else if (c == '"') {
      in_quote = true;
    } else if (c == '<') {
      in_angle = true;
    } else if (c == '>') {
      in_angle = false;
    } else if (c == ',' && !in_angle) {
      parts.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(value.substr(start));
  return parts;
}

bool has_rel(std::string_view params, std::string_view rel) {
  // params: ;rel="alternate";title=x  — rel may hold several space-separated values.
  std::size_t pos = 0;
  while (pos < params.size()) {
    std::size_t next = params.find(';', pos);
    std::string_view param = trim(
        params.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (param.size() > 4 && (param.substr(0, 4) == "rel=" || param.substr(0, 4) == "REL=")) {
      std::string_view values = param.substr(4);
      if (values.size() >= 2 && values.front() == '"' && values.back() == '"') {
        values = values.substr(1, values.size() - 2);
      }
      std::size_t vpos = 0;
      while (vpos <= values.size()) {
        std::size_t space = values.find(' ', vpos);
        auto one = values.substr(
            vpos, space == std::string_view::npos ? std::string_view::npos : space - vpos);
        if (one == rel) return true;
        if (space == std::string_view::npos) break;
        vpos = space + 1;
      }
    }
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return false;
}

}  // namespace

std::optional<Clock::time_point> parse_retry_after(std::string_view value, Clock::time_point now) {
  value = trim(value);
  if (all_digits(value)) {
    if (value.size() > 9) return std::nullopt;  // absurd; treat as malformed
    long seconds = 0;
    std::from_chars(value.data(), value.data() + value.size(), seconds);
    return now + std::chrono::seconds(seconds);
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  std::string copy(value);
  std::tm tm{};
  const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return representable(timegm(&tm));
}

std::vector<std::string> links_with_rel(const std::vector<std::string>& link_headers,
                                        std::string_view rel) {
  std::vector<std::string> targets;
  for (const auto& header : link_headers) {
    for (std::string_view link : split_links(header)) {
      link = trim(link);
      if (link.empty() || link.front() != '<') continue;
      auto close = link.find('>');
      if (close == std::string_view::npos) continue;
      if (has_rel(link.substr(close + 1), rel)) targets.emplace_back(link.substr(1, close - 1));
    }
  }
  return targets;
}

std::optional<Clock::time_point> parse_rfc3339(std::string_view text) {
  text = trim(text);
  // YYYY-MM-DDTHH:MM:SS
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  auto year = digits_at(text, 0, 4), month = digits_at(text, 5, 2), day = digits_at(text, 8, 2);
  auto hour = digits_at(text, 11, 2), minute = digits_at(text, 14, 2);
  auto second = digits_at(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  std::size_t pos = 19;
  std::chrono::nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    long long scale = 100000000;
    long long nanos = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      nanos += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
    fraction = std::chrono::nanoseconds(nanos);
  }
  if (pos >= text.size()) return std::nullopt;
  std::chrono::seconds offset{0};
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    auto oh = digits_at(text, pos + 1, 2), om = digits_at(text, pos + 4, 2);
    if (!oh || !om || pos + 3 >= text.size() || text[pos + 3] != ':') return std::nullopt;
    offset = std::chrono::hours(*oh) + std::chrono::minutes(*om);
    if (text[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  auto base = utc_time(*year, *month, *day, *hour, *minute, *second);
  if (!base) return std::nullopt;
  return *base - offset + std::chrono::duration_cast<Clock::duration>(fraction);
}

std::string format_rfc3339(Clock::time_point time) {
  std::time_t t = Clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];  // large enough for any int fields, as the compiler checks
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

}  // namespace acmed
