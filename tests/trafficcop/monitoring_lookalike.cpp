#include "monitoring_lookalike.hpp"

#include <nlohmann/json.hpp>

#include "common/crypto.hpp"

namespace trafficcop_test {
namespace {

using nlohmann::json;

constexpr const char* kMetric = "compute.googleapis.com/instance/network/sent_bytes_count";

bool rfc3339_utc(const std::string& text) {
  // 2025-06-01T00:00:00Z (Monitoring also takes fractions; we send none)
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z') {
    return false;
  }
  for (const std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

std::string check_query(const httplib::Request& request, const std::string& instance_id) {
  const std::string filter = request.get_param_value("filter");
  if (filter.find("metric.type = \"" + std::string(kMetric) + "\"") == std::string::npos) {
    return "filter must select metric.type " + std::string(kMetric);
  }
  if (filter.find("resource.labels.instance_id = \"" + instance_id + "\"") == std::string::npos) {
    return "filter must select the instance by resource.labels.instance_id";
  }
  const std::string start = request.get_param_value("interval.startTime");
  const std::string end = request.get_param_value("interval.endTime");
  if (!rfc3339_utc(start) || !rfc3339_utc(end) || start > end) {
    return "Field interval.startTime/endTime had an invalid value";
  }
  const std::string period = request.get_param_value("aggregation.alignmentPeriod");
  if (period.size() < 2 || period.find_first_not_of("0123456789") != period.size() - 1 ||
      period.back() != 's' || std::stoll(period) < 60) {
    return "The alignment period must be at least 60 seconds";
  }
  if (request.get_param_value("aggregation.perSeriesAligner") != "ALIGN_SUM" ||
      request.get_param_value("aggregation.crossSeriesReducer") != "REDUCE_SUM") {
    return "expected ALIGN_SUM and REDUCE_SUM";
  }
  return "";
}

json series_json(const std::vector<std::uint64_t>& values, const std::string& instance_id,
                 const httplib::Request& request) {
  json points = json::array();
  for (const auto value : values) {
    points.push_back({{"interval",
                       {{"startTime", request.get_param_value("interval.startTime")},
                        {"endTime", request.get_param_value("interval.endTime")}}},
                      {"value", {{"int64Value", std::to_string(value)}}}});
  }
  return {{"metric", {{"type", kMetric}}},
          {"resource",
           {{"type", "gce_instance"},
            {"labels", {{"project_id", "appliance-sim"}, {"instance_id", instance_id}}}}},
          {"metricKind", "DELTA"},
          {"valueType", "INT64"},
          {"points", points}};
}

}  // namespace

MonitoringLookalike::MonitoringLookalike(std::string project, std::string instance_id)
    : project_(std::move(project)), instance_id_(std::move(instance_id)) {
  server().Get("/v3/projects/([^/]+)/timeSeries",
               [this](const httplib::Request& request, httplib::Response& response) {
                 list(request, response);
               });
  start();
}

void MonitoringLookalike::set_series(std::vector<std::vector<std::uint64_t>> series,
                                     std::size_t per_page) {
  std::lock_guard lock(mutex_);
  series_ = std::move(series);
  per_page_ = per_page;
}

std::map<std::string, std::string> MonitoringLookalike::last_query() const {
  std::lock_guard lock(mutex_);
  return last_query_;
}

void MonitoringLookalike::list(const httplib::Request& request, httplib::Response& response) {
  if (request.matches[1] != project_) {
    return rpc_error(response, 403,
                     "Permission monitoring.timeSeries.list denied (or the resource may not "
                     "exist).");
  }
  if (const auto problem = check_query(request, instance_id_); !problem.empty()) {
    return rpc_error(response, 400, problem);
  }
  std::lock_guard lock(mutex_);
  last_query_.clear();
  for (const auto& [name, value] : request.params) last_query_[name] = value;
  // Page tokens are opaque to clients: base64url of the next index here.
  std::size_t first = 0;
  if (const auto token = request.get_param_value("pageToken"); !token.empty()) {
    const auto decoded = common::crypto::base64url_decode(token);
    if (!decoded || decoded->empty() ||
        decoded->find_first_not_of("0123456789") != std::string::npos) {
      return rpc_error(response, 400, "Invalid page token.");
    }
    first = std::stoul(*decoded);
  }
  json body = {{"unit", "By"}};
  json page = json::array();
  for (std::size_t i = first; i < series_.size() && i < first + per_page_; ++i) {
    page.push_back(series_json(series_[i], instance_id_, request));
  }
  if (!page.empty()) body["timeSeries"] = page;  // proto3 JSON leaves empty lists out
  if (first + per_page_ < series_.size()) {
    body["nextPageToken"] = common::crypto::base64url(std::to_string(first + per_page_));
  }
  response.set_content(body.dump(), "application/json; charset=UTF-8");
}

}  // namespace trafficcop_test
