#pragma once
// A look-alike of Cloud Monitoring's projects.timeSeries.list
// (GET /v3/projects/{project}/timeSeries) for one metric, following the
// public wire format: the filter, interval.startTime/endTime (RFC 3339),
// aggregation.alignmentPeriod ("<n>s", at least 60s), perSeriesAligner and
// crossSeriesReducer are checked (400 INVALID_ARGUMENT otherwise); the
// answer is {"timeSeries":[{metric, resource, metricKind, valueType,
// points:[{interval, value:{int64Value:"<decimal>"}}]}], "nextPageToken",
// "unit"}, a fixed number of series per page, an opaque page token.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lookalike_server.hpp"

namespace trafficcop_test {

class MonitoringLookalike : public LookalikeServer {
 public:
  explicit MonitoringLookalike(std::string project, std::string instance_id);
  ~MonitoringLookalike() override { stop(); }

  // The series the query finds, each a list of point values (bytes).
  void set_series(std::vector<std::vector<std::uint64_t>> series, std::size_t per_page = 100);
  // The query parameters of the last list call.
  std::map<std::string, std::string> last_query() const;

 private:
  void list(const httplib::Request& request, httplib::Response& response);

  std::string project_;
  std::string instance_id_;
  mutable std::mutex mutex_;
  std::vector<std::vector<std::uint64_t>> series_;
  std::size_t per_page_ = 100;
  std::map<std::string, std::string> last_query_;
};

}  // namespace trafficcop_test
