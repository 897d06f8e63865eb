#include "browser.hpp"

#include <httplib.h>

namespace authd_test {

std::string host_of(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto end = url.find_first_of(":/?", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::map<std::string, std::string> query_of(const std::string& url) {
  std::map<std::string, std::string> out;
  auto q = url.find('?');
  if (q == std::string::npos) return out;
  httplib::Params params;
  httplib::detail::parse_query_text(url.substr(q + 1), params);
  for (const auto& [k, v] : params) out[k] = v;
  return out;
}

common::Result<common::HttpResponse> Browser::get(const std::string& url) {
  common::HttpRequest request;
  request.url = url;
  request.ca_pem = ca_pem_;
  request.only_ca_pem = true;
  request.timeout = std::chrono::seconds(20);
  std::string cookie_header;
  for (const auto& [name, cookie] : jars_[host_of(url)]) {
    if (!cookie_header.empty()) cookie_header += "; ";
    cookie_header += name + "=" + cookie.value;
  }
  if (!cookie_header.empty()) request.headers.emplace_back("Cookie", cookie_header);
  auto response = common::http_request(request);
  if (response) store_cookies(host_of(url), *response);
  return response;
}

void Browser::store_cookies(const std::string& host, const common::HttpResponse& response) {
  for (const auto& line : response.headers_named("set-cookie")) {
    auto semi = line.find(';');
    auto pair = line.substr(0, semi);
    auto eq = pair.find('=');
    if (eq == std::string::npos) continue;
    auto name = pair.substr(0, eq);
    auto value = pair.substr(eq + 1);
    std::string attributes = semi == std::string::npos ? "" : line.substr(semi + 1);
    if (attributes.find("Max-Age=0") != std::string::npos) {
      jars_[host].erase(name);
    } else {
      jars_[host][name] = Cookie{value, attributes};
    }
  }
}

common::Result<Browser::Outcome> Browser::navigate(const std::string& url,
                                                   const std::string& stop_prefix, int max_hops) {
  Outcome outcome;
  std::string next = url;
  for (int hop = 0; hop < max_hops; ++hop) {
    auto response = get(next);
    if (!response) return std::unexpected(response.error());
    outcome.hops.push_back(next);
    outcome.last = *response;
    auto location = response->header("location");
    if (response->status < 300 || response->status >= 400 || !location) {
      outcome.final_url = next;
      return outcome;
    }
    if (location->starts_with(stop_prefix)) {
      outcome.final_url = *location;
      outcome.reached_stop = true;
      return outcome;
    }
    next = *location;
  }
  return common::fail(common::Error::Kind::invalid_input, "too many redirects");
}

}  // namespace authd_test
