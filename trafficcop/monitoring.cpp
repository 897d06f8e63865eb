#include "trafficcop/monitoring.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "common/http_client.hpp"
#include "common/log.hpp"
#include "trafficcop/month.hpp"

namespace trafficcop {
namespace {

using common::Error;

// Monitoring refuses alignment periods under a minute.
constexpr std::chrono::seconds kMinAlignment{60};
// A month has a few pages at most; more means a server that never ends.
constexpr int kMaxPages = 1000;

std::unexpected<Error> bad_page(const std::string& reason) {
  return common::fail(Error::Kind::invalid_input, "unable to read a timeSeries page: " + reason);
}

common::Result<std::uint64_t> point_value(const common::json& point) {
  const auto value = point.find("value");
  if (value == point.end() || !value->is_object()) return bad_page("a point without a value");
  const auto int64 = value->find("int64Value");
  if (int64 != value->end() && int64->is_string()) {
    const std::string& text = int64->get_ref<const std::string&>();
    std::uint64_t n = 0;
    const auto [at, error] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || error != std::errc() || at != text.data() + text.size()) {
      return bad_page("int64Value '" + text + "' is not a count of bytes");
    }
    return n;
  }
  if (int64 != value->end() && int64->is_number_unsigned()) return int64->get<std::uint64_t>();
  // An aligner may turn counts into doubles; round up, never down.
  const auto dbl = value->find("doubleValue");
  if (dbl != value->end() && dbl->is_number() && dbl->get<double>() >= 0 &&
      dbl->get<double>() < 1.8e19) {
    return static_cast<std::uint64_t>(std::ceil(dbl->get<double>()));
  }
  return bad_page("a point whose value is neither int64Value nor doubleValue");
}

bool add(std::uint64_t& total, std::uint64_t value) {
  if (value > std::numeric_limits<std::uint64_t>::max() - total) return false;
  total += value;
  return true;
}

}  // namespace

std::string time_series_url(const SentBytesQuery& query, const std::string& page_token) {
  const std::string filter = "metric.type = \"" + std::string(kSentBytesMetric) +
                             "\" AND resource.type = \"gce_instance\" AND "
                             "resource.labels.instance_id = \"" +
                             query.instance_id + "\" AND resource.labels.zone = \"" + query.zone +
                             "\"";
  // One alignment period covering the whole interval gives one point per
  // series; summing every point stays right if the server splits it anyway.
  const auto period = std::max(kMinAlignment, query.end - query.start);
  std::vector<std::pair<std::string, std::string>> fields = {
      {"filter", filter},
      {"interval.startTime", rfc3339(query.start)},
      {"interval.endTime", rfc3339(query.end)},
      {"aggregation.alignmentPeriod", std::to_string(period.count()) + "s"},
      {"aggregation.perSeriesAligner", "ALIGN_SUM"},
      {"aggregation.crossSeriesReducer", "REDUCE_SUM"},
  };
  if (!page_token.empty()) fields.emplace_back("pageToken", page_token);
  return query.endpoint + "/v3/projects/" + query.project + "/timeSeries?" +
         common::form_encode(fields);
}

common::Result<std::uint64_t> sum_page(const common::json& page) {
  // Partial failures leave some data out: a sum without them could let the
  // instance run past its cap, so such a page is an error, not a number.
  if (const auto errors = page.find("executionErrors");
      errors != page.end() && errors->is_array() && !errors->empty()) {
    return bad_page("executionErrors: " + common::dump_json(*errors));
  }
  std::uint64_t total = 0;
  const auto series = page.find("timeSeries");
  if (series == page.end()) return total;  // proto3 JSON omits an empty list
  if (!series->is_array()) return bad_page("timeSeries is not a list");
  for (const auto& one : *series) {
    const auto points = one.find("points");
    if (points == one.end()) continue;
    if (!points->is_array()) return bad_page("points is not a list");
    for (const auto& point : *points) {
      auto value = point_value(point);
      if (!value) return std::unexpected(value.error());
      if (!add(total, *value)) return bad_page("the sum overflows");
    }
  }
  return total;
}

common::Result<std::uint64_t> sent_bytes(GoogleApi& api, const SentBytesQuery& query) {
  const std::string what = "unable to read the instance's sent bytes";
  std::uint64_t total = 0;
  std::string page_token;
  for (int page = 1; page <= kMaxPages; ++page) {
    auto body = api.get(time_series_url(query, page_token));
    if (!body) return std::unexpected(common::wrap(body.error(), what));
    auto sum = sum_page(*body);
    if (!sum) return std::unexpected(common::wrap(sum.error(), what));
    if (!add(total, *sum)) return common::fail(Error::Kind::invalid_input, what + ": overflow");
    auto next = common::optional_string_field(*body, "nextPageToken");
    if (!next) return std::unexpected(common::wrap(next.error(), what));
    page_token = std::move(*next);
    if (page_token.empty()) {
      common::log::info(common::log::Event{"egress.read"}, "month's sent bytes read", {{"sent_bytes", total}, {"pages", page}});
      return total;
    }
  }
  return common::fail(Error::Kind::environment,
                      what + ": more than " + std::to_string(kMaxPages) + " pages");
}

}  // namespace trafficcop
