#pragma once
// Cloud Monitoring: the bytes an instance sent since a time, from
// compute.googleapis.com/instance/network/sent_bytes_count through
// projects.timeSeries.list (GET v3/projects/{project}/timeSeries), aligned
// with ALIGN_SUM over the whole interval, reduced with REDUCE_SUM across
// series, every page followed and every point added up.

#include <chrono>
#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "common/json.hpp"
#include "trafficcop/google_api.hpp"

namespace trafficcop {

inline constexpr std::string_view kSentBytesMetric =
    "compute.googleapis.com/instance/network/sent_bytes_count";

struct SentBytesQuery {
  std::string endpoint;  // https://monitoring.googleapis.com
  std::string project;
  std::string zone;
  std::string instance_id;  // numeric, from instances.get: names can be reused
  std::chrono::sys_seconds start;
  std::chrono::sys_seconds end;
};

// The URL of one page (page_token empty for the first).
std::string time_series_url(const SentBytesQuery& query, const std::string& page_token);
// The sum of every point's value on one page (int64Value is a decimal
// string in JSON, as proto3 maps int64); an error on anything else.
common::Result<std::uint64_t> sum_page(const common::json& page);

common::Result<std::uint64_t> sent_bytes(GoogleApi& api, const SentBytesQuery& query);

}  // namespace trafficcop
