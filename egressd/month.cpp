#include "egressd/month.hpp"

#include <cstdio>

namespace egressd {

MonthIndex month_of(std::chrono::sys_seconds now) {
  const std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(now)};
  const int year = static_cast<int>(day.year());
  const auto month = static_cast<unsigned>(day.month());
  // Years before 1 do not happen on a machine with a sane clock; clamp.
  return year < 1 ? 0 : static_cast<MonthIndex>(year) * 12 + (month - 1);
}

std::string month_name(MonthIndex month) {
  char text[16];
  std::snprintf(text, sizeof text, "%04u-%02u", month / 12, month % 12 + 1);
  return text;
}

}  // namespace egressd
