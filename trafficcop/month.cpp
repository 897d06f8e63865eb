#include "trafficcop/month.hpp"

#include <cstdio>

namespace trafficcop {

std::chrono::sys_seconds month_start(std::chrono::sys_seconds now) {
  const std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(now)};
  return std::chrono::sys_days{day.year() / day.month() / std::chrono::day{1}};
}

std::string rfc3339(std::chrono::sys_seconds time) {
  const auto days = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day day{days};
  const std::chrono::hh_mm_ss clock{time - days};
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02lldZ", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<long long>(clock.seconds().count()));
  return text;
}

}  // namespace trafficcop
