#pragma once
// The month the egress is counted over: the calendar month in UTC (the
// contract of issue 15). docs/traffic-cop.md says how it meets the billing
// month, which Cloud Billing reckons in US Pacific time.

#include <chrono>
#include <string>

namespace trafficcop {

// 00:00:00 UTC on the first day of the month that `now` is in.
std::chrono::sys_seconds month_start(std::chrono::sys_seconds now);
// RFC 3339 in UTC with a "Z", as Google's APIs take and give times.
std::string rfc3339(std::chrono::sys_seconds time);

}  // namespace trafficcop
