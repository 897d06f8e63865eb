#pragma once
// The period egress is counted over: the calendar month in UTC (issue 15),
// as one number that orders months and fits the NV record.

#include <chrono>
#include <cstdint>
#include <string>

namespace egressd {

// year * 12 + (month - 1): consecutive months are consecutive numbers.
using MonthIndex = std::uint32_t;

MonthIndex month_of(std::chrono::sys_seconds now);
// "YYYY-MM".
std::string month_name(MonthIndex month);

}  // namespace egressd
